package dev.secateur.prune.engine;

import dev.secateur.events.Allocation;
import dev.secateur.events.PruneRequest;
import dev.secateur.model.TargetShape;
import dev.secateur.prune.criterion.MiSetSelector;
import dev.secateur.prune.plan.MaskSettings;
import dev.secateur.prune.sparsity.SparsityMethods;
import dev.secateur.prune.sparsity.SparsityTarget;
import java.nio.file.Path;

/**
 * Everything one pruning run needs, as the CLI, the HTTP/Kafka adapters or a test fill it in. Made only through
 * {@link #builder} (or {@link #toBuilder} for a changed copy), whose {@link Builder#build} fills the defaults and refuses
 * what the engine will not run with an {@link InvalidOptionException} naming the request field.
 *
 * @param tokenizer null: model/tokenizer.json
 * @param ffnRatio fraction of FFN neurons to remove, or null
 * @param headRatio fraction of attention heads to remove (whole KV groups), or null
 * @param layerRatio fraction of layers to drop, or null
 * @param threshold FFN threshold mode (bits, MI criteria): remove while MI > threshold (ffnRatio, if set, caps it)
 * @param minKeep per-layer floor under GLOBAL allocation (fraction of units kept)
 * @param miTokens tokens subsampled for the pairwise Rényi estimator and layer MI
 * @param maxTokens activation rows kept per layer (token-subsampled)
 * @param calibrationMode what calibrates block i + 1: the pruned block i's output (sequential) or the dense one's
 * @param evalText perplexity text for before/after, or null to skip
 * @param sparsity zeros in every block's linear weights, for criterion wanda, sparsegpt or sparsellm; null for structured pruning
 * @param taylor the Taylor estimate (vector, element, second-order) of criterion taylor, or fusion's fine-grained one; null: the default
 * @param mask settings of criterion mask-opt (forward-only mask optimisation); null for the other criteria
 * @param targetShape a sheared target architecture (layers, hidden, heads, kv-heads, ffn) instead of ratios, or null
 * @param schedule one-shot, or adaptive steps each re-calibrated on the previous one's output ({@link ScheduledPruning})
 */
public record PruneOptions(
        Path model, Path tokenizer, Path calibration, Path output,
        int samples, int seqLen, long seed, String device,
        String criterion, Double ffnRatio, Double headRatio, Double layerRatio, Double threshold,
        Allocation allocation, double minKeep, String compensation,
        double kernelScale, int miTokens, int maxTokens, double ridge, int batchSize, CalibrationMode calibrationMode,
        Path evalText, int evalSeqLen, long evalMaxTokens, SparsityTarget sparsity, String taylor, MaskSettings mask,
        TargetShape targetShape, PruneSchedule schedule) {

    // Knobs the prune request does not carry; the ones it does take their defaults from PruneRequest, so the CLI, the
    // service and a direct engine caller all start from the same values.
    public static final double DEFAULT_MIN_KEEP = 0.05;
    public static final int DEFAULT_MAX_TOKENS = 8192;
    public static final int DEFAULT_BATCH_SIZE = 8;
    public static final String DEFAULT_DEVICE = "auto";

    /** A builder holding the defaults: mi + lsq, 20 % of FFN neurons, the request's calibration size, seed 0. */
    public static Builder builder(Path model, Path calibration, Path output) {
        return new Builder().model(model).calibration(calibration).output(output);
    }

    /** A builder holding every field of this run, to change some and build again. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public Path tokenizerPath() {
        return tokenizer != null ? tokenizer : model.resolve("tokenizer.json");
    }

    /** The one way to make {@link PruneOptions}: a setter per field, defaults for what is left out, one check in {@link #build}. */
    public static final class Builder {
        private Path model, tokenizer, calibration, output;
        private int samples = PruneRequest.DEFAULT_SAMPLES;
        private int seqLen = PruneRequest.DEFAULT_SEQ_LEN;
        private long seed;
        private String device = DEFAULT_DEVICE;
        private String criterion = PruneRequest.DEFAULT_METHOD.json();
        private Double ffnRatio, headRatio, layerRatio, threshold;
        // the FFN ratio's default depends on the method, as in the request: only a ratio never set takes it
        private boolean ffnRatioSet;
        private Allocation allocation = PruneRequest.DEFAULT_ALLOCATION;
        private double minKeep = DEFAULT_MIN_KEEP;
        private String compensation; // null: the method's default
        private double kernelScale = PruneRequest.DEFAULT_KERNEL_SCALE;
        private int miTokens = PruneRequest.DEFAULT_MI_TOKENS;
        private int maxTokens = DEFAULT_MAX_TOKENS;
        private double ridge = MiSetSelector.DEFAULT_RIDGE;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private CalibrationMode calibrationMode = CalibrationMode.parse(PruneRequest.DEFAULT_CALIBRATION_MODE);
        private Path evalText;
        private int evalSeqLen = PruneRequest.DEFAULT_EVAL_SEQ_LEN;
        private long evalMaxTokens;
        private SparsityTarget sparsity;
        private String taylor;
        private MaskSettings mask;
        private TargetShape targetShape;
        private PruneSchedule schedule = PruneSchedule.ONE_SHOT;

        private Builder() {
        }

        private Builder(PruneOptions o) {
            model = o.model;
            tokenizer = o.tokenizer;
            calibration = o.calibration;
            output = o.output;
            samples = o.samples;
            seqLen = o.seqLen;
            seed = o.seed;
            device = o.device;
            criterion = o.criterion;
            ffnRatio = o.ffnRatio;
            ffnRatioSet = true;
            headRatio = o.headRatio;
            layerRatio = o.layerRatio;
            threshold = o.threshold;
            allocation = o.allocation;
            minKeep = o.minKeep;
            compensation = o.compensation;
            kernelScale = o.kernelScale;
            miTokens = o.miTokens;
            maxTokens = o.maxTokens;
            ridge = o.ridge;
            batchSize = o.batchSize;
            calibrationMode = o.calibrationMode;
            evalText = o.evalText;
            evalSeqLen = o.evalSeqLen;
            evalMaxTokens = o.evalMaxTokens;
            sparsity = o.sparsity;
            taylor = o.taylor;
            mask = o.mask;
            targetShape = o.targetShape;
            schedule = o.schedule;
        }

        public Builder model(Path v) {
            model = v;
            return this;
        }

        /** null: the model folder's tokenizer.json. */
        public Builder tokenizer(Path v) {
            tokenizer = v;
            return this;
        }

        public Builder calibration(Path v) {
            calibration = v;
            return this;
        }

        public Builder output(Path v) {
            output = v;
            return this;
        }

        public Builder samples(int v) {
            samples = v;
            return this;
        }

        public Builder seqLen(int v) {
            seqLen = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder device(String v) {
            device = v;
            return this;
        }

        public Builder criterion(String v) {
            criterion = v;
            return this;
        }

        /** null: no FFN target (the default, 0.2, applies only while this is never called, and not to a sparsity method, a parameter budget or a target shape). */
        public Builder ffnRatio(Double v) {
            ffnRatio = v;
            ffnRatioSet = true;
            return this;
        }

        public Builder headRatio(Double v) {
            headRatio = v;
            return this;
        }

        public Builder layerRatio(Double v) {
            layerRatio = v;
            return this;
        }

        /** The FFN, head and layer ratios at once; null for none. */
        public Builder ratios(Double ffn, Double heads, Double layers) {
            return ffnRatio(ffn).headRatio(heads).layerRatio(layers);
        }

        public Builder threshold(Double v) {
            threshold = v;
            return this;
        }

        public Builder allocation(Allocation v) {
            allocation = v;
            return this;
        }

        public Builder minKeep(double v) {
            minKeep = v;
            return this;
        }

        /** null: the method's default (lsq; none for a sparsity method, which refits nothing). */
        public Builder compensation(String v) {
            compensation = v;
            return this;
        }

        public Builder kernelScale(double v) {
            kernelScale = v;
            return this;
        }

        public Builder miTokens(int v) {
            miTokens = v;
            return this;
        }

        public Builder maxTokens(int v) {
            maxTokens = v;
            return this;
        }

        public Builder ridge(double v) {
            ridge = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder calibrationMode(CalibrationMode v) {
            calibrationMode = v;
            return this;
        }

        public Builder evalText(Path v) {
            evalText = v;
            return this;
        }

        public Builder evalSeqLen(int v) {
            evalSeqLen = v;
            return this;
        }

        public Builder evalMaxTokens(long v) {
            evalMaxTokens = v;
            return this;
        }

        public Builder sparsity(SparsityTarget v) {
            sparsity = v;
            return this;
        }

        public Builder taylor(String v) {
            taylor = v;
            return this;
        }

        public Builder mask(MaskSettings v) {
            mask = v;
            return this;
        }

        public Builder targetShape(TargetShape v) {
            targetShape = v;
            return this;
        }

        public Builder schedule(PruneSchedule v) {
            schedule = v;
            return this;
        }

        /** The options, defaults filled; throws {@link InvalidOptionException} naming the first field the engine refuses. */
        public PruneOptions build() {
            boolean weights = SparsityMethods.prunesWeights(criterion);
            boolean otherBudget = weights || targetShape != null || (mask != null && mask.paramRatio() != null);
            Double ffn = ffnRatioSet ? ffnRatio : otherBudget ? null : PruneRequest.DEFAULT_FFN_RATIO;
            String comp = compensation != null ? compensation : weights ? "none" : PruneRequest.DEFAULT_COMPENSATION.json();
            PruneOptions o = new PruneOptions(model, tokenizer, calibration, output, samples, seqLen, seed, device, criterion,
                    ffn, headRatio, layerRatio, threshold, allocation, minKeep, comp, kernelScale, miTokens, maxTokens, ridge, batchSize,
                    calibrationMode, evalText, evalSeqLen, evalMaxTokens, sparsity, taylor, mask, targetShape, schedule);
            OptionRules.check(o);
            return o;
        }
    }
}
