package dev.secateur.prune.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.secateur.model.CheckpointWriter;
import dev.secateur.model.DecoderWeights;
import dev.secateur.prune.calibration.CalibrationSampler;
import dev.secateur.prune.calibration.CalibrationText;
import dev.secateur.prune.calibration.ModelActivationSource;
import dev.secateur.prune.compensate.Compensators;
import dev.secateur.prune.criterion.Criteria;
import dev.secateur.prune.criterion.ScoreSelector;
import dev.secateur.prune.criterion.TaylorCriterion;
import dev.secateur.prune.criterion.Selector;
import dev.secateur.prune.criterion.Structure;
import dev.secateur.prune.eval.DjlLanguageModel;
import dev.secateur.prune.eval.Perplexity;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.prune.model.Devices;
import dev.secateur.prune.plan.Target;
import dev.secateur.tokenizer.TextTokenizer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One entry point for a whole run: checkpoint → calibration text → activations of the dense model → criterion →
 * plan → compensation → slicing → (perplexity before/after) → pruned checkpoint + plan.json. The CLI and the
 * event-driven service call {@link #run} and nothing else.
 */
public final class PrunePipeline {
    private PrunePipeline() {
    }

    /** Checks names and ratios before anything heavy is loaded; returns the spec. */
    public static PruneSpec spec(PruneOptions o) {
        Criteria.Settings settings = new Criteria.Settings(o.seed(), o.kernelScale(), o.miTokens(), o.ridge(),
                maxFraction(o));
        if (!"taylor".equals(o.criterion())) {
            Criteria.byName(o.criterion(), null, settings);
        }
        Compensators.byName(o.compensation(), null, o.ridge());
        Target ffn = o.ffnRatio() == null && o.threshold() == null ? null
                : new Target(Structure.FFN_NEURONS, o.ffnRatio() == null ? 0 : o.ffnRatio(), o.threshold(), o.allocation(), o.minKeep());
        Target heads = o.headRatio() == null ? null : new Target(Structure.ATTENTION_HEADS, o.headRatio(), null, o.allocation(), o.minKeep());
        return new PruneSpec(o.criterion(), ffn, heads, o.layerRatio(), null, o.compensation(), settings);
    }

    /** Exact greedy steps only as far as a plan can reach (uniform: the ratio; global: a margin over it). */
    private static double maxFraction(PruneOptions o) {
        if (o.threshold() != null || o.ffnRatio() == null) {
            return 1.0;
        }
        double r = Math.max(o.ffnRatio(), o.headRatio() == null ? 0 : o.headRatio());
        return o.allocation() == dev.secateur.prune.plan.Allocation.GLOBAL ? Math.min(1.0, 1 - o.minKeep()) : Math.min(1.0, r + 0.01);
    }

    public static PruneResult run(PruneOptions o, ProgressListener listener) {
        PruneSpec spec = spec(o);
        Map<String, Double> seconds = new LinkedHashMap<>();
        listener.progress("load", 0, "loading " + o.model());
        DecoderWeights dense = DecoderWeights.load(o.model());
        Device device = Devices.resolve(o.device());
        try (TextTokenizer tokenizer = TextTokenizer.load(o.tokenizerPath());
                NDManager manager = NDManager.newBaseManager(device, "PyTorch");
                DecoderModel model = new DecoderModel(dense, device)) {
            long[] ids = tokenizer.encode(CalibrationText.read(o.calibration()));
            long[][] windows = CalibrationSampler.windows(ids, o.samples(), o.seqLen(), o.seed());
            listener.progress("calibrate", 0, windows.length + " × " + o.seqLen() + " calibration tokens");

            PruneEngine engine = new PruneEngine(manager);
            Selector selector;
            double taylorSeconds = 0;
            if ("taylor".equals(o.criterion())) {
                long t0 = System.nanoTime();
                selector = new ScoreSelector(TaylorCriterion.compute(model, windows, o.batchSize(), dense.headDim()));
                taylorSeconds = (System.nanoTime() - t0) / 1e9;
            } else {
                selector = engine.selector(spec);
            }
            ModelActivationSource source = new ModelActivationSource(model, dense, windows, o.batchSize(), o.maxTokens(),
                    spec.sites(selector.needsActivations()), o.seed(), o.activationBudgetBytes());
            PruneOutcome outcome = engine.prune(dense, source, spec, selector, listener);
            seconds.putAll(outcome.seconds());
            if (taylorSeconds > 0) {
                seconds.put("gradients", taylorSeconds);
            }

            double before = Double.NaN, after = Double.NaN;
            dev.secateur.prune.eval.Agreement agreement = null;
            if (o.evalText() != null) {
                long t0 = System.nanoTime();
                Perplexity ppl = new Perplexity(o.evalSeqLen(), o.evalMaxTokens(), o.batchSize());
                before = ppl.evaluate(new DjlLanguageModel(model), tokenizer, o.evalText()).perplexity();
                try (DecoderModel pruned = new DecoderModel(outcome.pruned(), device)) {
                    after = ppl.evaluate(new DjlLanguageModel(pruned), tokenizer, o.evalText()).perplexity();
                    agreement = dev.secateur.prune.eval.Agreement.measure(model, pruned, tokenizer, o.evalText(), o.evalSeqLen(), 8);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(o.evalText() + ": " + e.getMessage(), e);
                }
                seconds.put("eval", (System.nanoTime() - t0) / 1e9);
                listener.progress("eval", 1, String.format(java.util.Locale.ROOT, "perplexity %.4f → %.4f (seq %d)", before, after, o.evalSeqLen()));
            }
            CheckpointWriter.save(outcome.pruned(), o.output(), o.tokenizerPath());
            outcome.plan().write(o.output().resolve("plan.json"));
            listener.progress("save", 1, "wrote " + o.output());
            return new PruneResult(o.output(), outcome.plan(), outcome.parametersBefore(), outcome.parametersAfter(), before, after,
                    o.evalSeqLen(), seconds, outcome.peakActivationBytes(), Devices.describe(device), agreement);
        }
    }
}
