package dev.secateur.prune.engine;

import dev.secateur.prune.plan.Allocation;
import dev.secateur.prune.plan.MaskSettings;
import dev.secateur.prune.sparsity.SparsityTarget;
import dev.secateur.model.TargetShape;
import java.nio.file.Path;

/**
 * Everything one pruning run needs, as the CLI, the HTTP/Kafka adapters or a test fill it in.
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
 */
public record PruneOptions(
        Path model, Path tokenizer, Path calibration, Path output,
        int samples, int seqLen, long seed, String device,
        String criterion, Double ffnRatio, Double headRatio, Double layerRatio, Double threshold,
        Allocation allocation, double minKeep, String compensation,
        double kernelScale, int miTokens, int maxTokens, double ridge, int batchSize, CalibrationMode calibrationMode,
        Path evalText, int evalSeqLen, long evalMaxTokens, SparsityTarget sparsity, String taylor, MaskSettings mask,
        TargetShape targetShape) {

    public PruneOptions(Path model, Path tokenizer, Path calibration, Path output,
            int samples, int seqLen, long seed, String device,
            String criterion, Double ffnRatio, Double headRatio, Double layerRatio, Double threshold,
            Allocation allocation, double minKeep, String compensation,
            double kernelScale, int miTokens, int maxTokens, double ridge, int batchSize, CalibrationMode calibrationMode,
            Path evalText, int evalSeqLen, long evalMaxTokens, SparsityTarget sparsity) {
        this(model, tokenizer, calibration, output, samples, seqLen, seed, device, criterion, ffnRatio, headRatio, layerRatio, threshold,
                allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize, calibrationMode, evalText, evalSeqLen,
                evalMaxTokens, sparsity, null, null, null);
    }

    /** Options of a structured run (no weight sparsity). */
    public PruneOptions(Path model, Path tokenizer, Path calibration, Path output,
            int samples, int seqLen, long seed, String device,
            String criterion, Double ffnRatio, Double headRatio, Double layerRatio, Double threshold,
            Allocation allocation, double minKeep, String compensation,
            double kernelScale, int miTokens, int maxTokens, double ridge, int batchSize, CalibrationMode calibrationMode,
            Path evalText, int evalSeqLen, long evalMaxTokens) {
        this(model, tokenizer, calibration, output, samples, seqLen, seed, device, criterion, ffnRatio, headRatio, layerRatio, threshold,
                allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize, calibrationMode, evalText, evalSeqLen,
                evalMaxTokens, null, null, null, null);
    }

    /** The same run as weight sparsity by a sparsity method (wanda, sparsegpt, sparsellm): no FFN/head/layer targets, no compensation step. */
    public PruneOptions withSparsity(String method, SparsityTarget target) {
        return new PruneOptions(model, tokenizer, calibration, output, samples, seqLen, seed, device, method, null, null, null, null,
                allocation, minKeep, "none", kernelScale, miTokens, maxTokens, ridge, batchSize, calibrationMode, evalText, evalSeqLen,
                evalMaxTokens, target, taylor, null, null);
    }

    /** Defaults: mi + lsq, 20 % of FFN neurons, 64 × 256 calibration tokens, 8192 rows per layer, seed 0. */
    public static PruneOptions defaults(Path model, Path calibration, Path output) {
        return new PruneOptions(model, null, calibration, output, 64, 256, 0, "auto", "mi", 0.2, null, null, null,
                Allocation.UNIFORM, 0.05, "lsq", 1.0, 256, 8192, 1e-2, 8, CalibrationMode.SEQUENTIAL, null, 256, 0);
    }

    /** The same run on another checkpoint into another folder (a schedule's step on the previous step's output). */
    public PruneOptions withModelAndOutput(Path model, Path output) {
        return new PruneOptions(model, tokenizer, calibration, output, samples, seqLen, seed, device, criterion, ffnRatio, headRatio, layerRatio,
                threshold, allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize, calibrationMode, evalText,
                evalSeqLen, evalMaxTokens, sparsity, taylor, mask, targetShape);
    }

    public PruneOptions withRatios(Double ffn, Double heads, Double layers) {
        return new PruneOptions(model, tokenizer, calibration, output, samples, seqLen, seed, device, criterion, ffn, heads, layers, threshold,
                allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize, calibrationMode, evalText, evalSeqLen,
                evalMaxTokens, sparsity, taylor, mask, targetShape);
    }

    public PruneOptions withMethod(String criterion, String compensation, Allocation allocation) {
        return new PruneOptions(model, tokenizer, calibration, output, samples, seqLen, seed, device, criterion, ffnRatio, headRatio, layerRatio,
                threshold, allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize, calibrationMode, evalText,
                evalSeqLen, evalMaxTokens, sparsity, taylor, mask, targetShape);
    }

    public PruneOptions withCalibration(int samples, int seqLen, int maxTokens, int batchSize) {
        return new PruneOptions(model, tokenizer, calibration, output, samples, seqLen, seed, device, criterion, ffnRatio, headRatio, layerRatio,
                threshold, allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize, calibrationMode, evalText,
                evalSeqLen, evalMaxTokens, sparsity, taylor, mask, targetShape);
    }

    public PruneOptions withEval(Path text, int seqLen, long evalMax) {
        return new PruneOptions(model, tokenizer, calibration, output, samples, this.seqLen, seed, device, criterion, ffnRatio, headRatio,
                layerRatio, threshold, allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize,
                calibrationMode, text, seqLen, evalMax, sparsity, taylor, mask, targetShape);
    }

    public PruneOptions withCalibrationMode(CalibrationMode mode) {
        return new PruneOptions(model, tokenizer, calibration, output, samples, seqLen, seed, device, criterion, ffnRatio, headRatio,
                layerRatio, threshold, allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize,
                mode, evalText, evalSeqLen, evalMaxTokens, sparsity, taylor, mask, targetShape);
    }

    /** The same run with the Taylor estimate {@code variant} (taylor's, or fusion's fine-grained one). */
    public PruneOptions withTaylor(String variant) {
        return new PruneOptions(model, tokenizer, calibration, output, samples, seqLen, seed, device, criterion, ffnRatio, headRatio,
                layerRatio, threshold, allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize,
                calibrationMode, evalText, evalSeqLen, evalMaxTokens, sparsity, variant, mask, targetShape);
    }

    /** The same run as forward-only mask optimisation with these settings. */
    public PruneOptions withMask(MaskSettings settings) {
        return new PruneOptions(model, tokenizer, calibration, output, samples, seqLen, seed, device, "mask-opt", ffnRatio, headRatio,
                layerRatio, threshold, allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize,
                calibrationMode, evalText, evalSeqLen, evalMaxTokens, null, taylor, settings, targetShape);
    }

    /** The same run pruned to a target shape: no FFN/head/layer ratios or threshold beside it. */
    public PruneOptions withTargetShape(TargetShape shape) {
        return new PruneOptions(model, tokenizer, calibration, output, samples, seqLen, seed, device, criterion, null, null, null, null,
                allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize, calibrationMode, evalText, evalSeqLen,
                evalMaxTokens, sparsity, taylor, mask, shape);
    }

    public Path tokenizerPath() {
        return tokenizer != null ? tokenizer : model.resolve("tokenizer.json");
    }
}
