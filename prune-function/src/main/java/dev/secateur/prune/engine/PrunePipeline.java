package dev.secateur.prune.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.events.Allocation;
import dev.secateur.model.StreamedCheckpoint;
import dev.secateur.model.TargetShape;
import dev.secateur.embedding.Fidelity;
import dev.secateur.prune.compensate.Compensator;
import dev.secateur.prune.compensate.Compensators;
import dev.secateur.prune.criterion.Criteria;
import dev.secateur.prune.criterion.FusionCriterion;
import dev.secateur.prune.criterion.ScoreSelector;
import dev.secateur.prune.criterion.Selector;
import dev.secateur.prune.criterion.Structure;
import dev.secateur.prune.criterion.TaylorCriterion;
import dev.secateur.prune.criterion.TaylorEstimates;
import dev.secateur.prune.criterion.TaylorVariant;
import dev.secateur.prune.model.Devices;
import dev.secateur.prune.plan.MaskSettings;
import dev.secateur.prune.plan.MaskStructure;
import dev.secateur.prune.plan.Target;
import dev.secateur.prune.sparsity.SparsityMethods;
import dev.secateur.prune.sparsity.WeightSparsifier;
import dev.secateur.store.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One entry point for a whole run, decoder or encoder: checkpoint → calibration inputs (token windows of a text, or
 * sentences) → {@link StreamingPruner} (block by block: activations, criterion, plan, compensation, slicing, the pruned
 * block written out, before/after on the evaluation inputs) → plan.json. The output folder appears in one rename when everything is written; a failed run leaves
 * nothing there. The CLI and the event-driven service call {@link #run} and nothing else.
 */
public final class PrunePipeline {
    private PrunePipeline() {
    }

    /**
     * The spec of these options, checked against the model's own sizes and architecture before anything heavy is loaded
     * (the options checked themselves when they were built).
     */
    public static PruneSpec spec(PruneOptions o) {
        Criteria.Settings settings = new Criteria.Settings(o.seed(), o.kernelScale(), o.miTokens(), o.ridge(),
                maxFraction(o));
        if (o.targetShape() != null) {
            return shapeSpec(o, settings);
        }
        if (o.sparsity() != null) {
            return new PruneSpec(o.criterion(), null, null, null, null, "none", settings, o.sparsity());
        }
        if ("mask-opt".equals(o.criterion())) {
            // the FFN target carries the allocation and floor; its ratio is 0 when the parameter ratio sets the budget
            MaskSettings mask = o.mask() == null ? MaskSettings.defaults() : o.mask();
            if (mask.ffnOnly()) {
                Target ffn = new Target(Structure.FFN_NEURONS, o.ffnRatio() == null ? 0 : o.ffnRatio(), null, o.allocation(), o.minKeep());
                return new PruneSpec(o.criterion(), ffn, null, null, null, o.compensation(), settings, null, mask, null);
            }
            // over KV groups or layers too: one parameter budget over the whole model (OptionRules checked it is one);
            // the head target only says that KV groups are cut, the search fixes every layer's count
            Target ffn = mask.masks(MaskStructure.FFN) ? new Target(Structure.FFN_NEURONS, 0, null, Allocation.GLOBAL, o.minKeep()) : null;
            Target heads = mask.masks(MaskStructure.KV_GROUPS) ? new Target(Structure.ATTENTION_HEADS, 0, null, Allocation.UNIFORM, o.minKeep()) : null;
            return new PruneSpec(o.criterion(), ffn, heads, null, null, o.compensation(), settings, null, mask, null);
        }
        Target ffn = o.ffnRatio() == null && o.threshold() == null ? null
                : new Target(Structure.FFN_NEURONS, o.ffnRatio() == null ? 0 : o.ffnRatio(), o.threshold(), o.allocation(), o.minKeep());
        Target heads = o.headRatio() == null ? null : new Target(Structure.ATTENTION_HEADS, o.headRatio(), null, o.allocation(), o.minKeep());
        return new PruneSpec(o.criterion(), ffn, heads, o.layerRatio(), null, o.compensation(), settings);
    }

    /** taylor's estimate, or fusion's fine-grained one (element unless second-order is asked for: its coarse one is vector-wise). */
    private static TaylorVariant taylorVariant(PruneOptions o) {
        return "fusion".equals(o.criterion()) && o.taylor() == null ? TaylorVariant.ELEMENT : TaylorVariant.parse(o.taylor());
    }

    /**
     * A sheared target shape: the same FFN width and KV groups kept in every layer, layers dropped down to a count, and
     * the residual width cut everywhere. Checked against the checkpoint's sizes before any work.
     */
    private static PruneSpec shapeSpec(PruneOptions o, Criteria.Settings settings) {
        TargetShape t = o.targetShape();
        ModelConfig c = ConfigReader.read(o.model());
        if (!c.architecture().isDecoder()) {
            throw new InvalidOptionException("targetShape", "a target shape applies to decoders (Llama, Qwen2, GPT-2); "
                    + c.architecture().hfName() + " is an encoder");
        }
        if (t.hidden() != null && (!c.usesRope() || c.architecture().usesLayerNorm())) {
            throw new InvalidOptionException("targetShape", "hidden=" + t.hidden() + " needs an RMSNorm decoder (Llama, Qwen2); "
                    + c.architecture().hfName() + "'s LayerNorm centres over all channels and is not hidden-pruned");
        }
        if (t.hidden() != null && c.architecture().headDimFromHiddenSize()) {
            throw new InvalidOptionException("targetShape", "hidden=" + t.hidden() + " changes hidden_size, from which "
                    + c.architecture().hfName() + "'s Hugging Face code derives the head size: prune FFN neurons or layers");
        }
        if (t.hidden() != null && c.architecture() == dev.secateur.checkpoint.Architecture.GEMMA) {
            throw new InvalidOptionException("targetShape", "hidden=" + t.hidden() + " is not supported on " + c.architecture().hfName()
                    + ": it multiplies the embeddings by √hidden_size, which the cut would change under the tied head");
        }
        if (t.hidden() != null && c.architecture().hasPostNorms()) {
            throw new InvalidOptionException("targetShape", "hidden=" + t.hidden() + " is not supported on " + c.architecture().hfName() + ": its post-attention "
                    + "and post-feedforward norms see the residual width too, and their rescaling is not worked out");
        }
        java.util.List<dev.secateur.model.LayerSizes> sizes;
        try (StreamedCheckpoint src = StreamedCheckpoint.open(o.model())) {
            sizes = src.layerSizes();
        }
        Integer kv;
        try {
            kv = t.keptKvGroups(c.numLayers(), c.hiddenSize(), sizes);
        } catch (IllegalArgumentException e) {
            // a shape larger than the model, or heads that are not whole KV groups of it
            throw new InvalidOptionException("targetShape", e.getMessage());
        }
        Target ffn = t.ffn() == null ? null : Target.keeping(Structure.FFN_NEURONS, t.ffn());
        Target heads = kv == null ? null : Target.keeping(Structure.ATTENTION_HEADS, kv);
        return new PruneSpec(o.criterion(), ffn, heads, null, null, o.compensation(), settings, null, null, t);
    }

    /** Exact greedy steps only as far as a plan can reach (uniform: the ratio; global: a margin over it). */
    private static double maxFraction(PruneOptions o) {
        if (o.threshold() != null || o.ffnRatio() == null) {
            return 1.0;
        }
        double r = Math.max(o.ffnRatio(), o.headRatio() == null ? 0 : o.headRatio());
        return o.allocation().global() ? Math.min(1.0, 1 - o.minKeep()) : Math.min(1.0, r + 0.01);
    }

    /** Hidden states of the evaluation windows kept per model when no --eval-max-tokens caps them. */
    static final long EVAL_STATE_BUDGET = 256L << 20;

    /** One run, one step: an adaptive schedule's steps come through {@link ScheduledPruning#run}, each a one-shot run of this. */
    public static PruneResult run(PruneOptions o, ProgressListener listener) {
        if (o.schedule().adaptive()) {
            throw new IllegalArgumentException("PrunePipeline.run prunes in one step; run an adaptive schedule through ScheduledPruning.run");
        }
        PruneSpec spec = spec(o);
        Path out = o.output();
        Path stage = out.resolveSibling(out.getFileName() + ".partial");
        requireReplaceable(out);
        AtomicFiles.deleteRecursively(stage);
        listener.progress("load", 0, "opening " + o.model());
        Device device = Devices.resolve(o.device());
        long t0 = System.nanoTime();
        try (ModelFamily model = open(o);
                NDManager manager = NDManager.newBaseManager(device, "PyTorch")) {
            listener.progress("calibrate", 0, model.calibrationSummary());
            Map<String, Double> seconds = new LinkedHashMap<>();
            seconds.put("load", (System.nanoTime() - t0) / 1e9);

            Selector selector = null;
            WeightSparsifier sparsifier = null;
            if (spec.sparsity() != null) {
                WeightSparsifier.requireTileable(ConfigReader.read(o.model()).hiddenSize(), model.headDim(), model.layerSizes(),
                        spec.sparsity().pattern());
                sparsifier = SparsityMethods.sparsifier(spec.criterion(), spec.sparsity(), manager);
            } else if (Criteria.needsGradients(o.criterion())) {
                if (!(model instanceof DecoderFamily decoder)) {
                    throw new InvalidOptionException("method", o.criterion() + " needs a language-model loss; an encoder has none (use mi, wanda-sp, flap, magnitude or random)");
                }
                TaylorVariant variant = taylorVariant(o);
                long tg = System.nanoTime();
                TaylorEstimates estimates = TaylorPass.compute(decoder.checkpoint(), decoder.windows(), o.batchSize(), variant.needsFisher(),
                        device, listener);
                seconds.put("gradients", (System.nanoTime() - tg) / 1e9);
                selector = new ScoreSelector("fusion".equals(o.criterion()) ? new FusionCriterion(estimates, variant)
                        : new TaylorCriterion(variant, estimates));
            } else if (spec.mask() != null) {
                if (!(model instanceof DecoderFamily)) {
                    throw new InvalidOptionException("method", "mask-opt scores masks by the language-model loss; an encoder has none (use mi, wanda-sp, flap, magnitude or random)");
                }
                // mi ranks the neurons θ starts from (--mask-init mi) and, with --mask-select mi, chooses the units inside each
                // layer at the learnt counts; with search the learnt θ decides the whole plan
                selector = Criteria.byName("mi", manager, spec.settings());
            } else {
                selector = Criteria.byName(spec.criterion(), manager, spec.settings());
            }
            Compensator compensator = Compensators.byName(spec.compensation(), manager, spec.settings().ridge(),
                    dev.secateur.prune.compensate.BiasSites.of(model.architecture()));
            StreamingPruner.Run run = new StreamingPruner.Run(o.maxTokens(), o.seed(), o.calibrationMode(), device);
            StreamingPruner.Outcome outcome = new StreamingPruner(model, spec, selector, sparsifier, compensator, run, listener).prune(stage);
            seconds.putAll(outcome.seconds());
            outcome.plan().write(stage.resolve("plan.json"));
            EvalOutcome eval = outcome.eval() == null ? null : outcome.eval().languageModel();
            Fidelity fidelity = outcome.eval() == null ? null : outcome.eval().embeddings();
            if (eval != null) {
                listener.progress("eval", 1, String.format(java.util.Locale.ROOT, "perplexity %.4f → %.4f (seq %d, %d tokens)",
                        eval.perplexityBefore(), eval.perplexityAfter(), o.evalSeqLen(), eval.tokens()));
            }
            if (fidelity != null) {
                listener.progress("eval", 1, String.format(java.util.Locale.ROOT, "embeddings: mean cosine %.4f (min %.4f), recall@1 %.3f on %d sentences",
                        fidelity.meanCosine(), fidelity.minCosine(), fidelity.recallAt1(), fidelity.sentences()));
            }
            replace(stage, out);
            listener.progress("save", 1, "wrote " + out);
            return new PruneResult(out, outcome.plan(), outcome.parametersBefore(), outcome.parametersAfter(),
                    eval == null ? Double.NaN : eval.perplexityBefore(), eval == null ? Double.NaN : eval.perplexityAfter(),
                    o.evalSeqLen(), seconds, outcome.peakActivationBytes(), Devices.describe(device), eval == null ? null : eval.agreement(),
                    fidelity, sparsifier == null ? java.util.List.of() : sparsifier.coupledTraces());
        } catch (RuntimeException e) {
            AtomicFiles.deleteRecursively(stage);
            throw e;
        }
    }

    /** The family the checkpoint's config.json names: BertModel is an encoder, every other supported architecture a decoder. */
    private static ModelFamily open(PruneOptions o) {
        return ConfigReader.read(o.model()).architecture().isDecoder() ? DecoderFamily.open(o) : EncoderFamily.open(o);
    }

    /** The output folder may be absent, empty, or an earlier model folder (replaced); anything else is refused before work starts. */
    static void requireReplaceable(Path out) {
        if (!Files.exists(out)) {
            return;
        }
        try (java.util.stream.Stream<Path> entries = Files.list(out)) {
            if (entries.findAny().isPresent() && !Files.isRegularFile(out.resolve("config.json"))) {
                throw new IllegalArgumentException("output folder " + out + " exists and is not a model folder; give a new or empty folder");
            }
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("output folder " + out + " is not a readable folder (" + e.getMessage() + ")", e);
        }
    }

    /** The finished folder takes the output's place in one rename, so a reader sees the old folder or the new one. */
    static void replace(Path stage, Path out) {
        try {
            if (Files.exists(out)) {
                Path old = out.resolveSibling(out.getFileName() + ".old");
                AtomicFiles.deleteRecursively(old);
                AtomicFiles.moveAtomically(out, old);
                AtomicFiles.moveAtomically(stage, out);
                AtomicFiles.deleteRecursively(old);
            } else {
                AtomicFiles.moveAtomically(stage, out);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot move " + stage + " to " + out + ": " + e.getMessage(), e);
        }
    }
}
