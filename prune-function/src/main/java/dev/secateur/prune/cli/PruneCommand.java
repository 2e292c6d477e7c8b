package dev.secateur.prune.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.events.FieldException;
import dev.secateur.events.PruneRequest;
import dev.secateur.json.Json;
import dev.secateur.prune.job.PipelineJobRunner;
import dev.secateur.prune.job.JobOutcome;
import dev.secateur.prune.job.PruneTask;
import dev.secateur.prune.plan.MaskSettings;
import dev.secateur.store.ModelNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Prunes a checkpoint from the command line, a decoder or an encoder. The options become the same request a Kafka event
 * carries and run through the same runner as the service, so both paths share defaults, checks, export and report.
 * For an encoder (BertModel), --calibration and --eval are files of sentences, one per line, --samples caps the
 * calibration sentences and --seq-len their length, and the report gives embedding fidelity instead of perplexity.
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Prune a model folder: pruned checkpoint, model.onnx, plan.json and report.json in --out.")
public class PruneCommand implements Callable<Integer> {
    @Mixin
    ModelFolderOption model;

    // no defaultValue where the request has a default of its own: left out of the request, the request's applies
    @Option(names = "--method", description = "mi, mi-pairwise, magnitude, random, wanda-sp, flap, taylor, fusion, mask-opt; "
            + "wanda, sparsegpt or sparsellm zero single weights (with --sparsity) (default: mi)")
    String method;

    @Option(names = "--taylor", description = "taylor: vector, element (default) or second-order Taylor importance; "
            + "fusion: its fine-grained estimate, element (default) or second-order")
    String taylor;

    @Option(names = "--ffn-ratio", description = "fraction of FFN neurons to remove (default: 0.2; 0 with wanda, sparsegpt, sparsellm)")
    Double ffnRatio;

    @Option(names = "--sparsity", description = "wanda, sparsegpt, sparsellm: fraction of every block's linear weights to zero, > 0 and < 1")
    Double sparsity;

    @Option(names = "--pattern", description = "wanda, sparsegpt, sparsellm: unstructured (default) or N:M such as 2:4, 4:8 (at most N non-zeros in every M inputs)")
    String pattern;

    @Option(names = "--target-shape", description = "prune to this uniform architecture instead of ratios: any of layers=L,hidden=H,heads=A,"
            + "kv-heads=G,ffn=F (and norm-scale=none|sqrt|calibrated for hidden); see README 'Sheared target shape'")
    String targetShape;

    @Option(names = "--head-ratio", defaultValue = "" + PruneRequest.DEFAULT_HEAD_RATIO, description = "fraction of attention heads to remove, whole KV groups")
    double headRatio;

    @Option(names = "--drop-layers", defaultValue = "0", description = "whole layers to remove")
    int dropLayers;

    @Option(names = "--allocation", description = "uniform, global or global-error (mi only; default: uniform)")
    String allocation;

    @Option(names = "--compensation", description = "none, bias or lsq (default: lsq; none with wanda, sparsegpt, sparsellm)")
    String compensation;

    @Option(names = "--mi-alpha", defaultValue = "" + PruneRequest.DEFAULT_MI_ALPHA, description = "Rényi order (default: ${DEFAULT-VALUE})")
    double miAlpha;

    @Option(names = "--kernel-scale", defaultValue = "" + PruneRequest.DEFAULT_KERNEL_SCALE, description = "Gaussian kernel width scale h (default: ${DEFAULT-VALUE})")
    double kernelScale;

    @Option(names = "--mi-threshold", description = "threshold mode (mi, mi-pairwise): remove FFN neurons while their MI with the kept set exceeds T bits; --ffn-ratio > 0 caps it")
    Double miThreshold;

    @Option(names = "--mi-tokens", description = "tokens subsampled for the pairwise Rényi estimator and layer MI (default: 256, or all calibration tokens if fewer)")
    Integer miTokens;

    @Option(names = "--schedule", description = "one-shot (default) or adaptive: remove the FFN/head ratios in --schedule-steps front-loaded steps,"
            + " each re-calibrated on the previous step's pruned model")
    String schedule;

    @Option(names = "--schedule-steps", description = "adaptive: steps, 2 to 16 (default: 3)")
    Integer scheduleSteps;

    @Option(names = "--recover-steps", description = "adaptive: optimizer steps of recovery fine-tuning on the calibration text between steps (default: 0, none)")
    Integer recoverSteps;

    @Option(names = "--param-ratio", description = "mask-opt: fraction of the model's parameters to remove (> 0, < 1), instead of --ffn-ratio")
    Double paramRatio;

    @Option(names = "--mask-iterations", description = "mask-opt: policy-gradient steps (default: 40)")
    Integer maskIterations;

    @Option(names = "--mask-samples", description = "mask-opt: masks sampled per step, >= 2 (default: 8)")
    Integer maskSamples;

    @Option(names = "--mask-lr", description = "mask-opt: step on the keep probabilities, per standard deviation of a step's losses (default: 0.1)")
    Double maskLr;

    @Option(names = "--mask-init", description = "mask-opt: mi (start from the mi ranking), mi-error (from mi's costs ranked as --allocation global-error does) or uniform (default: mi)")
    String maskInit;

    @Option(names = "--mask-windows", description = "mask-opt: calibration windows each mask's loss is measured on, <= --samples (default: 4)")
    Integer maskWindows;

    // a plain string, split by the request: picocli's own split would turn an empty value into no list at all
    @Option(names = "--mask-structures", description = "mask-opt: what the masks cover, comma-separated: ffn, kv-groups, layers "
            + "(default: ffn; kv-groups and layers need --param-ratio and --allocation global)")
    String maskStructures;

    @Option(names = "--mask-select", description = "mask-opt: which units go inside each layer: mi (the mi criterion's choice at the "
            + "search's per-layer counts) or search (the search's own mask) (default: " + MaskSettings.DEFAULT_SELECT + ")")
    String maskSelect;

    @Option(names = "--calibration", required = true, description = "calibration text or JSONL file; for an encoder, sentences one per line")
    Path calibration;

    @Option(names = "--samples", defaultValue = "" + PruneRequest.DEFAULT_SAMPLES, description = "calibration sequences (default: ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--seq-len", defaultValue = "" + PruneRequest.DEFAULT_SEQ_LEN, description = "calibration sequence length (default: ${DEFAULT-VALUE})")
    int seqLen;

    @Option(names = "--seed", defaultValue = "0", description = "sampling seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--eval", description = "text for perplexity before and after; for an encoder, sentences for embedding fidelity")
    Path eval;

    @Option(names = "--eval-seq-len", defaultValue = "" + PruneRequest.DEFAULT_EVAL_SEQ_LEN, description = "evaluation window (default: ${DEFAULT-VALUE})")
    int evalSeqLen;

    @Option(names = "--eval-max-tokens", defaultValue = "0",
            description = "evaluation tokens scored at most; 0: as many as fit 256 MB of hidden states per model (default: ${DEFAULT-VALUE})")
    long evalMaxTokens;

    @Option(names = "--calibration-mode", defaultValue = PruneRequest.DEFAULT_CALIBRATION_MODE,
            description = "sequential (block i+1 calibrated on the pruned block i's output) or dense (on the dense model's) (default: ${DEFAULT-VALUE})")
    String calibrationMode;

    @Option(names = "--export", defaultValue = PruneRequest.DEFAULT_EXPORT, description = "ONNX export precision: fp32, fp16 or none (default: ${DEFAULT-VALUE})")
    String export;

    private void checkExport() {
        if (!java.util.List.of("fp32", "fp16", "none").contains(export)) {
            throw new IllegalArgumentException("--export: must be fp32, fp16 or none, was '" + export + "'");
        }
    }

    @Mixin
    DeviceOption device;

    @Mixin
    EmptyOutputFolderOption out;

    private static final Map<String, String> OPTION_OF_FIELD = Map.ofEntries(
            Map.entry("source.path", "--model"), Map.entry("method", "--method"), Map.entry("ffnRatio", "--ffn-ratio"),
            Map.entry("headRatio", "--head-ratio"), Map.entry("dropLayers", "--drop-layers"), Map.entry("allocation", "--allocation"),
            Map.entry("compensation", "--compensation"), Map.entry("miAlpha", "--mi-alpha"), Map.entry("kernelScale", "--kernel-scale"),
            Map.entry("calibration", "--calibration"), Map.entry("samples", "--samples"), Map.entry("seqLen", "--seq-len"),
            Map.entry("eval", "--eval"), Map.entry("evalSeqLen", "--eval-seq-len"), Map.entry("calibrationMode", "--calibration-mode"),
            Map.entry("evalMaxTokens", "--eval-max-tokens"), Map.entry("export", "--export"), Map.entry("miThreshold", "--mi-threshold"),
            Map.entry("miTokens", "--mi-tokens"), Map.entry("sparsity", "--sparsity"), Map.entry("pattern", "--pattern"),
            Map.entry("taylor", "--taylor"),
            Map.entry("schedule", "--schedule"), Map.entry("scheduleSteps", "--schedule-steps"), Map.entry("recoverSteps", "--recover-steps"),
            Map.entry("paramRatio", "--param-ratio"), Map.entry("maskIterations", "--mask-iterations"), Map.entry("maskSamples", "--mask-samples"),
            Map.entry("maskLr", "--mask-lr"), Map.entry("maskInit", "--mask-init"), Map.entry("maskWindows", "--mask-windows"),
            Map.entry("maskStructures", "--mask-structures"), Map.entry("maskSelect", "--mask-select"),
            Map.entry("targetShape", "--target-shape"));

    @Override
    public Integer call() throws IOException {
        checkFile(model.path, "--model", true);
        checkExport();
        checkFile(calibration, "--calibration", false);
        if (eval != null) {
            checkFile(eval, "--eval", false);
        }
        boolean created = !Files.exists(out.path);
        prepareOutput();
        PruneRequest request;
        JobOutcome result;
        try {
            request = PruneRequest.parseValid(requestJson());
            PruneTask task = new PruneTask("cli", request, model.path, calibration, eval, out.path, device.name, !"none".equals(export));
            result = new PipelineJobRunner().prune(task, new ConsoleProgress(System.err));
        } catch (FieldException e) {
            // a bad request, or options refused deep in the engine, where only the model shows it
            removeIfCreatedAndEmpty(created);
            throw new IllegalArgumentException(optionOf(e.field()) + ": " + e.reason(), e);
        } catch (RuntimeException e) {
            removeIfCreatedAndEmpty(created);
            throw e;
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("out", out.path.toString());
        line.put("summary", result.summary());
        System.out.println(Json.mapper().writeValueAsString(line));
        return 0;
    }

    /** The command-line option of a request field, or the field itself where the command has no option of that name. */
    static String optionOf(String field) {
        return OPTION_OF_FIELD.getOrDefault(field, field);
    }

    private ObjectNode requestJson() {
        ObjectNode r = Json.mapper().createObjectNode();
        r.putObject("source").put("path", model.path.toAbsolutePath().toString());
        r.put("headRatio", headRatio).put("dropLayers", dropLayers).put("miAlpha", miAlpha)
                .put("kernelScale", kernelScale).put("calibration", calibration.toAbsolutePath().toString())
                .put("samples", samples).put("seqLen", seqLen).put("seed", seed).put("evalSeqLen", evalSeqLen)
                .put("calibrationMode", calibrationMode).put("evalMaxTokens", evalMaxTokens).put("export", "none".equals(export) ? "fp32" : export);
        // left out when not given, so that the request's defaults (for the method) apply
        if (method != null) {
            r.put("method", method);
        }
        if (allocation != null) {
            r.put("allocation", allocation);
        }
        if (ffnRatio != null) {
            r.put("ffnRatio", ffnRatio);
        }
        if (compensation != null) {
            r.put("compensation", compensation);
        }
        if (sparsity != null) {
            r.put("sparsity", sparsity);
        }
        if (pattern != null) {
            r.put("pattern", pattern);
        }
        if (taylor != null) {
            r.put("taylor", taylor);
        }
        if (targetShape != null) {
            r.put("targetShape", targetShape);
        }
        if (miTokens != null) {
            r.put("miTokens", miTokens);
        }
        if (miThreshold != null) {
            r.put("miThreshold", miThreshold);
        }
        if (schedule != null) {
            r.put("schedule", schedule);
        }
        if (scheduleSteps != null) {
            r.put("scheduleSteps", scheduleSteps);
        }
        if (recoverSteps != null) {
            r.put("recoverSteps", recoverSteps);
        }
        if (eval != null) {
            r.put("eval", eval.toAbsolutePath().toString());
        }
        if (paramRatio != null) {
            r.put("paramRatio", paramRatio);
        }
        if (maskIterations != null) {
            r.put("maskIterations", maskIterations);
        }
        if (maskSamples != null) {
            r.put("maskSamples", maskSamples);
        }
        if (maskLr != null) {
            r.put("maskLr", maskLr);
        }
        if (maskInit != null) {
            r.put("maskInit", maskInit);
        }
        if (maskWindows != null) {
            r.put("maskWindows", maskWindows);
        }
        if (maskStructures != null) {
            r.put("maskStructures", maskStructures);
        }
        if (maskSelect != null) {
            r.put("maskSelect", maskSelect);
        }
        // The request names a store model to publish under; from the CLI the output folder's name stands in.
        String name = out.path.toAbsolutePath().getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        r.put("outputModel", ModelNames.isValid(name) ? name : "pruned");
        return r;
    }

    /** A failed run leaves no trace: the folder this command created goes again, unless something else wrote into it. */
    private void removeIfCreatedAndEmpty(boolean created) {
        if (!created) {
            return;
        }
        try (var entries = Files.list(out.path)) {
            if (entries.findAny().isEmpty()) {
                Files.delete(out.path);
            }
        } catch (IOException ignored) {
            // the run's own error is the one to report
        }
    }

    private void prepareOutput() {
        out.requireEmpty();
        try {
            Files.createDirectories(out.path);
        } catch (IOException e) {
            throw new IllegalArgumentException("--out: cannot create " + out.path + " (" + e.getMessage() + ")", e);
        }
    }

    private static void checkFile(Path p, String option, boolean directory) {
        if (directory ? !Files.isDirectory(p) : !Files.isRegularFile(p)) {
            throw new IllegalArgumentException(option + ": " + p + " does not exist" + (directory ? " or is not a folder" : ""));
        }
    }
}
