package dev.secateur.prune.job;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.events.BeforeAfter;
import dev.secateur.events.PruneRequest;
import dev.secateur.events.RequestValidationException;
import dev.secateur.json.Json;
import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.onnx.ExportManifest;
import dev.secateur.onnx.ModelExport;
import dev.secateur.prune.engine.CalibrationMode;
import dev.secateur.prune.engine.InvalidOptionException;
import dev.secateur.prune.engine.PruneOptions;
import dev.secateur.prune.report.PeakMemory;
import dev.secateur.prune.engine.PrunePipeline;
import dev.secateur.prune.engine.PruneResult;
import dev.secateur.prune.engine.PruneSchedule;
import dev.secateur.prune.engine.ScheduledPruning;
import dev.secateur.prune.plan.MaskBudget;
import dev.secateur.prune.plan.MaskSettings;
import dev.secateur.prune.plan.MaskStructure;
import dev.secateur.prune.plan.StructureCosts;
import dev.secateur.prune.plan.StructuredMaskPolicy;
import dev.secateur.model.SparsityPattern;
import dev.secateur.prune.sparsity.SparsityCensus;
import dev.secateur.prune.sparsity.SparsityTarget;
import dev.secateur.prune.sparsity.WeightSparsifier;
import dev.secateur.store.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The service's and the CLI's one runner, for decoders and encoders alike: the calibrated pipeline
 * ({@link PrunePipeline#run}: activations, criterion, plan, compensation, slicing, before/after on the evaluation
 * inputs: perplexity for a decoder, embedding fidelity for an encoder), then the ONNX export the serve-function
 * loads (written by {@link ArtifactWriter} beside the checkpoint), and report.json. Request fields map one to one onto
 * {@link PruneOptions}'s builder; what the pipeline cannot do is refused with the field its {@link InvalidOptionException} names.
 */
public final class PipelineJobRunner implements PruneJobRunner {

    // Stage → [start, end] of the job's overall percent; the pipeline reports a fraction within each stage.
    private static final Map<String, double[]> STAGES = Map.of(
            "load", new double[] {3, 5},
            "calibrate", new double[] {5, 6},
            "gradients", new double[] {6, 20},
            "stats", new double[] {6, 8},
            "mask", new double[] {8, 20},
            "plan", new double[] {20, 20},
            "prune", new double[] {20, 85},
            "eval", new double[] {85, 88},
            "save", new double[] {88, 90});

    @Override
    public String name() {
        return "pipeline";
    }

    @Override
    public JobOutcome prune(PruneTask task, JobProgress progress) throws IOException {
        PruneRequest req = task.request();
        Path tokenizer = task.sourceDir().resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizer)) {
            throw new RequestValidationException(req.source().isStoreModel() ? "source.model" : "source.path",
                    "the model has no tokenizer.json, which calibration and evaluation need");
        }
        if (req.miAlpha() != PruneRequest.DEFAULT_MI_ALPHA && req.method().json().startsWith("mi")) {
            throw new RequestValidationException("miAlpha", "the pipeline computes Rényi MI at α = 2 only, was " + req.miAlpha());
        }
        dev.secateur.checkpoint.ModelConfig config = ConfigReader.read(task.sourceDir());
        boolean encoder = !config.architecture().isDecoder();
        if (encoder) {
            refuseWhatEncodersLack(req);
        } else {
            requireWithinContext(req, task, config);
        }
        requireLoadableHeads(req, config);
        requireLoadableBias(req, config);
        Double layerRatio = null;
        if (req.dropLayers() > 0) {
            int layers = config.numLayers();
            if (req.dropLayers() >= layers) {
                throw new RequestValidationException("dropLayers", "must be less than the model's " + layers + " layers");
            }
            layerRatio = (double) req.dropLayers() / layers;
        }
        SparsityTarget sparsity = req.sparsity() == null ? null
                : new SparsityTarget(req.sparsity(), SparsityPattern.parse(req.patternOrDefault()));
        PruneSchedule schedule = PruneRequest.ADAPTIVE.equals(req.schedule())
                ? PruneSchedule.adaptive(req.scheduleStepsOrDefault(), req.recoverStepsOrDefault()) : PruneSchedule.ONE_SHOT;
        PruneOptions options;
        try {
            // a ratio of 0 in the request is no target at all
            options = PruneOptions.builder(task.sourceDir(), task.calibration(), task.outputDir()).tokenizer(tokenizer)
                    .samples(req.samples()).seqLen(req.seqLen()).seed(req.seed()).device(task.device())
                    .criterion(req.method().json()).ratios(req.ffnRatio() > 0 ? req.ffnRatio() : null,
                            req.headRatio() > 0 ? req.headRatio() : null, layerRatio)
                    .threshold(req.miThreshold()).allocation(req.allocation())
                    .compensation(req.compensation().json()).kernelScale(req.kernelScale()).miTokens(req.miTokensOrDefault())
                    .calibrationMode(CalibrationMode.parse(req.calibrationMode()))
                    .evalText(task.eval()).evalSeqLen(req.evalSeqLen()).evalMaxTokens(req.evalMaxTokens())
                    .sparsity(sparsity).taylor(req.taylor())
                    .mask(req.method() == dev.secateur.events.PruneMethod.MASK_OPT ? maskSettings(req) : null)
                    .targetShape(req.targetShape()).schedule(schedule)
                    .build();
        } catch (InvalidOptionException e) {
            throw new RequestValidationException(e.field(), e.reason());
        }
        if (sparsity != null) {
            requireTileable(task.sourceDir(), config, encoder, sparsity.pattern());
            if (req.method() == dev.secateur.events.PruneMethod.SPARSELLM
                    && (encoder || !config.architecture().hasGatedMlp())) {
                throw new RequestValidationException("method", "sparsellm couples a gated FFN (gate, up, down: Llama, Mistral, Qwen2, Qwen3); "
                        + (encoder ? "an encoder's" : config.architecture().hfName() + "'s") + " FFN has no gate: use sparsegpt");
            }
            if (req.method() == dev.secateur.events.PruneMethod.SPARSELLM && !encoder
                    && !java.util.Set.of("silu", "swish").contains(config.hiddenAct())) {
                // its coupled updates are worked out for silu(gate)·up; Gemma 2's GeGLU would be fitted as if it were one
                throw new RequestValidationException("method", "sparsellm couples a SwiGLU FFN (silu(gate)·up); this model's "
                        + "activation is " + config.hiddenAct() + " (" + config.architecture().hfName() + "): use sparsegpt or wanda");
            }
        }
        if (options.mask() != null) {
            checkMaskBudget(task.sourceDir(), req, options);
        }
        try {
            // what the model itself cannot take: a target shape larger than it, a schedule its layer widths cannot split,
            // recovery on an encoder
            PrunePipeline.spec(options);
            ScheduledPruning.check(options);
        } catch (InvalidOptionException e) {
            throw new RequestValidationException(e.field(), e.reason());
        }

        ScheduledPruning.Outcome scheduled = ScheduledPruning.run(options, (stage, fraction, message) -> {
            double[] span = STAGES.getOrDefault(stage, new double[] {50, 50});
            progress.report(stage, span[0] + (span[1] - span[0]) * Math.max(0, Math.min(1, fraction)), message);
        });
        PruneResult result = scheduled.result();

        long t0 = System.nanoTime();
        Path out = task.outputDir();
        ExportManifest exported = null;
        if (task.exportOnnx()) {
            progress.report("export", 90, "ONNX " + req.export());
            exported = servableExport(out, task.sourceDir(), "fp16".equals(req.export()));
        }
        Map<String, Double> timings = new LinkedHashMap<>(result.seconds());
        timings.put("export", (System.nanoTime() - t0) / 1e9);

        BeforeAfter summary = new BeforeAfter(result.parametersBefore(), result.parametersAfter(),
                weightBytes(task.sourceDir()), weightBytes(out),
                finite(result.perplexityBefore()), finite(result.perplexityAfter()),
                task.eval() == null || encoder ? null : result.evalSeqLen(), result.agreement() == null ? null : result.agreement().top1(), timings);
        ObjectNode report = Json.mapper().createObjectNode();
        report.put("engine", name());
        report.put("kind", encoder ? "encoder" : "decoder");
        report.put("device", result.device());
        report.set("request", req.toJson());
        report.set("summary", Json.toTree(summary));
        report.put("peakActivationBytes", result.peakActivationBytes());
        // the process's peak resident set so far: the job's own peak from the CLI, at least it in a long-running service
        report.put("peakRssBytes", PeakMemory.residentBytes());
        report.put("calibrationMode", req.calibrationMode());
        report.put("export", task.exportOnnx() ? req.export() : "none");
        if (result.agreement() != null) {
            // next-token distributions of the pruned vs the dense model on the first windows of the evaluation text
            report.put("top1Agreement", result.agreement().top1());
            report.put("klDivergenceNats", result.agreement().klDivergence());
            report.put("agreementPositions", result.agreement().positions());
        }
        if (result.fidelity() != null) {
            // an encoder's sentence embeddings, pruned vs dense, on the evaluation sentences
            report.put("meanCosine", result.fidelity().meanCosine());
            report.put("minCosine", result.fidelity().minCosine());
            report.put("recallAt1", result.fidelity().recallAt1());
            report.put("evalSentences", result.fidelity().sentences());
        }
        // the export read the pruned weights once already; its manifest records every layer's sizes
        java.util.List<dev.secateur.model.LayerSizes> sizes = exported != null ? exported.layerSizes() : layerSizes(out, encoder);
        report.set("layerSizes", Json.toTree(sizes));
        writeChart(out, task, result, sizes);
        report.put("evaluated", task.eval() != null);
        report.put("schedule", schedule.name());
        if (scheduled.schedule() != null) {
            // every step's ratios, widths, times and before/after (each against the step's input); plan.json's indices are the original model's
            report.set("scheduleSteps", Json.toTree(scheduled.schedule()));
        }
        if (sparsity != null) {
            // counted from the written checkpoint, so the figures are what model.safetensors and model.onnx hold
            report.set("sparsity", Json.toTree(SparsityCensus.of(out, req.method().json(), sparsity)));
            if (!result.couplingTraces().isEmpty()) {
                // per block: the coupled objective after each iteration, and the FFN's real output error vs plain SparseGPT's
                report.set("sparsellm", Json.toTree(result.couplingTraces()));
            }
        }
        AtomicFiles.writeAtomically(out.resolve("report.json"), Json.toPrettyBytes(report));
        return new JobOutcome(summary, Map.of(
                "architecture", ConfigReader.read(out).architecture().name(),
                "device", result.device(),
                "format", "onnx+safetensors"));
    }

    /**
     * The ONNX form serve-function loads, added to the pruned checkpoint the pipeline wrote into {@code out}: the
     * weights are read back once (a decoder block by block, like the pruning did; an encoder whole), and manifest.json
     * records the kind, architecture and layer sizes for the store to publish with the version.
     */
    private static ExportManifest servableExport(Path out, Path source, boolean fp16) throws IOException {
        return ArtifactWriter.writeFolder(out, out, ArtifactWriter.Options.defaults(fp16).withCheckpoint(ArtifactWriter.Checkpoint.IN_PLACE)
                .withMetadata(Map.of(ModelExport.PLAN, Files.readString(out.resolve("plan.json")),
                        ModelExport.SOURCE_SHA256, ModelExport.sourceSha256(source))));
    }

    /** The request's mask-opt fields, their defaults where left out. */
    private static MaskSettings maskSettings(PruneRequest req) {
        MaskSettings d = MaskSettings.defaults();
        MaskSettings s = new MaskSettings(req.maskIterations() != null ? req.maskIterations() : d.iterations(),
                req.maskSamples() != null ? req.maskSamples() : d.samples(), req.maskLr() != null ? req.maskLr() : d.learningRate(),
                req.maskInit() != null ? req.maskInit() : d.init(),
                req.maskWindows() != null ? req.maskWindows() : Math.min(d.windows(), req.samples()), req.paramRatio());
        if (req.maskSelect() != null) {
            s = s.withSelect(req.maskSelect());
        }
        if (req.maskStructures() == null) {
            return s;
        }
        try {
            return s.withStructures(MaskStructure.parse(req.maskStructures()));
        } catch (IllegalArgumentException e) {
            throw new RequestValidationException("maskStructures", e.getMessage());
        }
    }

    /** A budget the FFN cannot give (a parameter ratio above what its neurons hold, past the per-layer floor) is refused before any work. */
    private static void checkMaskBudget(Path source, PruneRequest req, PruneOptions o) {
        if (!o.mask().ffnOnly()) {
            checkStructureBudget(source, req, o);
            return;
        }
        try (dev.secateur.model.StreamedCheckpoint ckpt = dev.secateur.model.StreamedCheckpoint.open(source)) {
            int[] widths = ckpt.layerSizes().stream().mapToInt(dev.secateur.model.LayerSizes::ffn).toArray();
            long neuron = MaskBudget.neuronParameters(ckpt.layer(0));
            if (req.paramRatio() != null) {
                MaskBudget.fromParameters(widths, neuron, ckpt.parameterCount(), req.paramRatio(), o.allocation(), o.minKeep());
            } else if (o.ffnRatio() != null) {
                MaskBudget.fromFfnRatio(widths, neuron, o.ffnRatio(), o.allocation(), o.minKeep());
            }
        } catch (IllegalArgumentException e) {
            throw new RequestValidationException(req.paramRatio() != null ? "paramRatio" : "ffnRatio", e.getMessage());
        }
    }

    /**
     * A budget over several structures that they cannot give (more than the floors leave, less than one unit, KV groups of
     * a model with one per layer) is refused before any work; costs come from the first layer's shapes and every layer's sizes.
     */
    private static void checkStructureBudget(Path source, PruneRequest req, PruneOptions o) {
        String field = "paramRatio";
        try (dev.secateur.model.StreamedCheckpoint ckpt = dev.secateur.model.StreamedCheckpoint.open(source)) {
            StructureCosts costs = StructureCosts.scaled(ckpt.layer(0), ckpt.layerSizes(), ckpt.config().headDim(), ckpt.parameterCount());
            field = "maskStructures";
            StructureCosts.refuseImpossible(costs, o.mask().structures());
            field = "paramRatio";
            StructuredMaskPolicy.create(costs, o.mask().structures(), req.paramRatio(), o.minKeep(), null, null);
        } catch (IllegalArgumentException e) {
            throw new RequestValidationException(field, e.getMessage());
        }
    }

    /** Every layer's heads, KV heads and FFN width, read from the weights (an encoder folder loads whole; it is small). */
    private static java.util.List<dev.secateur.model.LayerSizes> layerSizes(Path dir, boolean encoder) {
        if (encoder) {
            return dev.secateur.model.EncoderWeights.load(dir).layerSizes();
        }
        try (dev.secateur.model.StreamedCheckpoint ckpt = dev.secateur.model.StreamedCheckpoint.open(dir)) {
            return ckpt.layerSizes();
        }
    }

    /** An N:M pattern whose groups cannot tile every layer's inputs is refused before anything is loaded, naming the layer. */
    private static void requireTileable(Path source, dev.secateur.checkpoint.ModelConfig config, boolean encoder, SparsityPattern pattern) {
        java.util.List<dev.secateur.model.LayerSizes> sizes = layerSizes(source, encoder);
        try {
            WeightSparsifier.requireTileable(config.hiddenSize(), config.headDim(), sizes, pattern);
        } catch (IllegalArgumentException e) {
            throw new RequestValidationException("pattern", e.getMessage());
        }
    }

    /**
     * Some architectures' Hugging Face code takes the head size from hidden_size / num_attention_heads
     * ({@link dev.secateur.checkpoint.Architecture#headDimFromHiddenSize()}), so a model that lost heads would not load
     * there: head removal is refused on them, naming the field (hidden cuts are refused with the other hidden-cut rules,
     * in PrunePipeline).
     */
    private static void requireLoadableHeads(PruneRequest req, dev.secateur.checkpoint.ModelConfig config) {
        // transformers 5 checks longrope's factor lists against hidden_size / num_attention_heads before it reads
        // head_dim, so a Phi-3 with longrope (Phi-3.5-mini, Phi-4-mini, the 128k models) that lost heads is refused there
        boolean longrope = config.ropeScaling() != null && config.ropeScaling().type().equals("longrope");
        if (!config.architecture().headDimFromHiddenSize() && !longrope) {
            return;
        }
        String why = "removes attention heads, which " + config.architecture().hfName() + (longrope ? " with longrope" : "")
                + " cannot load (its Hugging Face code derives the head size from hidden_size / num_attention_heads"
                + (longrope ? " when it checks the rope factors" : "") + "): prune FFN neurons or layers";
        if (req.headRatio() > 0) {
            throw new RequestValidationException("headRatio", why);
        }
        if (req.targetShape() != null && (req.targetShape().heads() != null || req.targetShape().kvHeads() != null)) {
            throw new RequestValidationException("targetShape", why);
        }
        if (req.maskStructures() != null && req.maskStructures().contains("kv-groups")) {
            throw new RequestValidationException("maskStructures", why);
        }
    }

    /**
     * bias compensation puts the removed units' mean contribution into a down-projection bias; on an architecture whose
     * Hugging Face code builds that projection without one the bias would be dropped on load, so it is refused (lsq there
     * refits the kept weights alone, which any loader reads).
     */
    private static void requireLoadableBias(PruneRequest req, dev.secateur.checkpoint.ModelConfig config) {
        if (req.compensation() == dev.secateur.events.Compensation.BIAS && !config.architecture().readsMlpOutputBias()) {
            throw new RequestValidationException("compensation", "bias adds a bias to the MLP's output projection, which "
                    + config.architecture().hfName() + "'s Hugging Face code does not read: use lsq (a refit of the kept "
                    + "weights, without a bias, on this architecture) or none");
        }
    }

    /**
     * A decoder's calibration and evaluation windows must fit its usable context (max_position_embeddings, or a
     * shorter sliding window), where every forward Secateur runs is the model's own; encoders cut sentences to theirs.
     */
    private static void requireWithinContext(PruneRequest req, PruneTask task, dev.secateur.checkpoint.ModelConfig config) {
        int context = config.contextLength();
        if (req.seqLen() > context) {
            throw new RequestValidationException("seqLen", "must not exceed the model's context of " + context + " tokens ("
                    + config.contextLengthReason() + "), was " + req.seqLen());
        }
        if (task.eval() != null && req.evalSeqLen() > context) {
            throw new RequestValidationException("evalSeqLen", "must not exceed the model's context of " + context + " tokens ("
                    + config.contextLengthReason() + "), was " + req.evalSeqLen());
        }
    }

    /** An encoder has no next-token loss and no perplexity, and is exported in float32 (EncoderOnnxExporter). */
    private static void refuseWhatEncodersLack(PruneRequest req) {
        if (req.method() == dev.secateur.events.PruneMethod.MASK_OPT) {
            throw new RequestValidationException("method", "mask-opt scores masks by the language-model loss, which an encoder has not; use mi, "
                    + "mi-pairwise, wanda-sp, flap, magnitude or random");
        }
        if (req.method() == dev.secateur.events.PruneMethod.TAYLOR || req.method() == dev.secateur.events.PruneMethod.FUSION) {
            throw new RequestValidationException("method", req.method().json() + " needs a language-model loss, which an encoder has not; use mi, mi-pairwise, "
                    + "wanda-sp, flap, magnitude or random");
        }
        if ("fp16".equals(req.export())) {
            throw new RequestValidationException("export", "encoders are exported in fp32 only");
        }
        if (req.qualityGate() != null) {
            throw new RequestValidationException("qualityGate", "maxPerplexityRatio cannot be checked on an encoder, which has no perplexity");
        }
    }

    /** report.png: kept FFN width per layer against the source config's width, and the pruned/dense ratios. */
    private static void writeChart(Path out, PruneTask task, PruneResult result, java.util.List<dev.secateur.model.LayerSizes> sizes)
            throws IOException {
        dev.secateur.checkpoint.ModelConfig source = ConfigReader.read(task.sourceDir());
        java.util.List<Integer> dense = java.util.Collections.nCopies(source.numLayers(), source.intermediateSize());
        java.util.List<Integer> pruned = sizes.stream().map(dev.secateur.model.LayerSizes::ffn).toList();
        dev.secateur.prune.report.BeforeAfterChart.write(out.resolve("report.png"), "pruned with " + task.request().method().json()
                + " + " + task.request().compensation().json(), dense, pruned, java.util.List.of(
                new dev.secateur.prune.report.BeforeAfterChart.Ratio("parameters", (double) result.parametersAfter() / result.parametersBefore()),
                result.fidelity() != null
                        ? new dev.secateur.prune.report.BeforeAfterChart.Ratio("embedding cosine", result.fidelity().meanCosine())
                        : new dev.secateur.prune.report.BeforeAfterChart.Ratio("perplexity", result.perplexityAfter() / result.perplexityBefore())));
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static long weightBytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long sum = 0;
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList()) {
                sum += Files.size(f);
            }
            return sum;
        }
    }
}
