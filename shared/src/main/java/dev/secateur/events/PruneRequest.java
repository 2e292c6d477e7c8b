package dev.secateur.events;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.json.Json;
import dev.secateur.model.SparsityPattern;
import dev.secateur.model.TargetShape;
import dev.secateur.store.ModelNames;

import java.io.IOException;

/**
 * The data of a {@code dev.secateur.prune.requested} event, and what the CLI builds too: the CLI should
 * assemble the same JSON and call {@link #parse(JsonNode)}, so both entry points share one set of defaults
 * and checks.
 *
 * <p>{@link #parse} checks JSON types only; {@link #validate} checks meaning (ranges, required fields,
 * names), so a caller can build a request in code and still validate it.
 *
 * @param ffnRatio    fraction of FFN intermediate neurons removed per layer (or overall, with global allocation)
 * @param headRatio   fraction of attention heads (KV groups under GQA) removed
 * @param miAlpha     Rényi entropy order for the MI criterion; 2 has a closed form without eigenvalues
 * @param kernelScale h in the Silverman-style kernel width σ = h·std·n^(-1/5)
 * @param calibration text whose activations drive the criterion and the compensation: a file, or a stored
 *                    dataset ({@link TextSource})
 * @param samples     calibration sequences
 * @param seqLen      tokens per calibration sequence; for a decoder at most its context (max_position_embeddings, or a
 *                    shorter sliding window), checked against the model when the job runs
 * @param evalSeqLen  evaluation window, with the same limit when an eval text is given
 * @param eval        optional text (file or dataset) for before/after perplexity; without it nothing is evaluated
 * @param qualityGate optional; null means the result is published whatever its quality
 * @param calibrationMode "sequential" (block i + 1 calibrated on the pruned block i's output) or "dense" (on the dense one's)
 * @param evalMaxTokens evaluation tokens scored at most; 0 for as many as fit the engine's evaluation budget
 * @param export ONNX precision of the published model: "fp32" or "fp16"
 * @param miThreshold the seed's threshold mode for mi criteria: remove FFN neurons while their MI with the kept set
 *     exceeds this many bits (ffnRatio, when > 0, caps the removal); null for ratio mode
 * @param miTokens calibration tokens subsampled for the pairwise Rényi estimator and layer MI; null: up to
 *     {@link #DEFAULT_MI_TOKENS}, as many as the calibration has
 * @param sparsity fraction of every block's linear weights zeroed by a weight-sparsity method (wanda, sparsegpt, sparsellm), > 0 and < 1;
 *     null for structured methods
 * @param pattern where the zeros may fall: "unstructured" (the default with a sparsity) or N:M ("2:4", "4:8": at most N
 *     non-zeros in every M consecutive inputs, which fixes sparsity at (M − N) / M)
 * @param taylor methods taylor and fusion: which Taylor estimate ("vector", "element", "second-order"; for fusion the
 *     fine-grained one, element or second-order); null: element
 * @param schedule "one-shot" (the default: the whole ffnRatio/headRatio in one run) or "adaptive" (several runs, each on the
 *     previous one's pruned model, removing front-loaded parts of the same total)
 * @param scheduleSteps steps of an adaptive schedule, 2 to {@link #MAX_SCHEDULE_STEPS}; null: {@link #DEFAULT_SCHEDULE_STEPS}
 * @param recoverSteps optimizer steps of recovery fine-tuning on the calibration text between adaptive steps; null or 0: none
 * @param paramRatio method mask-opt: fraction of the model's parameters to remove, > 0 and < 1, instead of ffnRatio; null
 *     to take ffnRatio as the budget
 * @param maskIterations mask-opt: policy-gradient steps (null: the default)
 * @param maskSamples mask-opt: masks sampled per step, at least 2
 * @param maskLr mask-opt: step size, in units of a step's loss standard deviation
 * @param maskInit mask-opt: "mi" (θ starts from the mi ranking), "mi-error" (from mi's costs ranked as they are across
 *                 layers, as allocation global-error) or "uniform"
 * @param maskWindows mask-opt: calibration windows each mask's loss is measured on, at most samples
 * @param maskStructures mask-opt: what the masks cover, a list of {@link #MASK_STRUCTURES} (a JSON array, or one string
 *     with commas); null: ffn only. kv-groups and layers take the paramRatio budget with allocation global
 * @param maskSelect mask-opt: which units the plan removes inside each layer, "mi" (the mi criterion's choice at the
 *     search's per-layer counts) or "search" (the search's own mask); null: the engine's default. Its values are checked
 *     where the options are built, naming this field
 * @param targetShape a sheared target architecture ({@link TargetShape}: layers, hidden, heads, kv-heads, ffn), as the
 *     string "layers=4,hidden=192" or the object {"layers": 4, "hidden": 192}; replaces ffnRatio, headRatio and
 *     dropLayers; null for ratio targets
 */
public record PruneRequest(
        ModelSource source,
        PruneMethod method,
        double ffnRatio,
        double headRatio,
        int dropLayers,
        Allocation allocation,
        Compensation compensation,
        double miAlpha,
        double kernelScale,
        String calibration,
        int samples,
        int seqLen,
        long seed,
        String eval,
        int evalSeqLen,
        String outputModel,
        QualityGate qualityGate,
        String calibrationMode,
        long evalMaxTokens,
        String export,
        Double miThreshold,
        Integer miTokens,
        Double sparsity,
        String pattern,
        String taylor,
        String schedule,
        Integer scheduleSteps,
        Integer recoverSteps,
        Double paramRatio,
        Integer maskIterations,
        Integer maskSamples,
        Double maskLr,
        String maskInit,
        Integer maskWindows,
        java.util.List<String> maskStructures,
        String maskSelect,
        TargetShape targetShape) {

    public static final PruneMethod DEFAULT_METHOD = PruneMethod.MI;
    public static final double DEFAULT_FFN_RATIO = 0.2;
    public static final double DEFAULT_HEAD_RATIO = 0.0;
    public static final Allocation DEFAULT_ALLOCATION = Allocation.UNIFORM;
    public static final Compensation DEFAULT_COMPENSATION = Compensation.LSQ;
    public static final double DEFAULT_MI_ALPHA = 2.0;
    public static final double DEFAULT_KERNEL_SCALE = 1.0;
    public static final int DEFAULT_SAMPLES = 32;
    public static final int DEFAULT_SEQ_LEN = 128;
    // 128 because the literature's anchor numbers (LLM-Pruner, FLAP, Wanda-sp on WikiText2) use it.
    public static final int DEFAULT_EVAL_SEQ_LEN = 128;
    public static final String DEFAULT_CALIBRATION_MODE = "sequential";
    public static final int DEFAULT_MI_TOKENS = 256;
    public static final String DEFAULT_EXPORT = "fp32";
    public static final java.util.List<String> CALIBRATION_MODES = java.util.List.of("sequential", "dense");
    public static final java.util.List<String> EXPORTS = java.util.List.of("fp32", "fp16");
    public static final java.util.List<String> TAYLOR_ESTIMATES = java.util.List.of("vector", "element", "second-order");
    public static final String ONE_SHOT = "one-shot";
    public static final String ADAPTIVE = "adaptive";
    public static final java.util.List<String> SCHEDULES = java.util.List.of(ONE_SHOT, ADAPTIVE);
    public static final int DEFAULT_SCHEDULE_STEPS = 3;
    // each step is a full streaming run over the checkpoint; beyond this the ratio per step rounds to a unit or two
    public static final int MAX_SCHEDULE_STEPS = 16;
    public static final java.util.List<String> MASK_INITS = java.util.List.of("mi", "mi-error", "uniform");
    public static final java.util.List<String> MASK_STRUCTURES = java.util.List.of("ffn", "kv-groups", "layers");

    /** Reads event data; unknown fields are ignored (newer senders), wrong types are errors naming the field. */
    public static PruneRequest parse(JsonNode data) {
        if (data == null || !data.isObject()) {
            throw new RequestValidationException("data", "a prune request must be a JSON object, got "
                    + (data == null ? "nothing" : data.getNodeType().name().toLowerCase()));
        }
        JsonFields f = new JsonFields(data, "");
        JsonFields src = f.object("source");
        ModelSource source = src == null ? null
                : new ModelSource(src.string("model"), src.optionalInteger("version"), src.string("path"));
        JsonFields gate = f.object("qualityGate");
        QualityGate qualityGate = gate == null ? null : new QualityGate(gate.optionalNumber("maxPerplexityRatio"));
        PruneMethod method = f.enumValue("method", PruneMethod.class, DEFAULT_METHOD);
        // a weight-sparsity method removes no neurons and refits nothing, so those defaults do not apply to it
        boolean weights = method != null && method.prunesWeights();
        // a parameter budget replaces the FFN ratio, so its default does not apply then
        Double paramRatio = f.optionalNumber("paramRatio");
        TargetShape shape = targetShape(data.get("targetShape"));
        return new PruneRequest(
                source,
                method,
                // a target shape says the FFN width itself (or keeps it), so the default ratio does not apply either
                f.number("ffnRatio", weights || paramRatio != null || shape != null ? 0.0 : DEFAULT_FFN_RATIO),
                f.number("headRatio", DEFAULT_HEAD_RATIO),
                f.integer("dropLayers", 0),
                f.enumValue("allocation", Allocation.class, DEFAULT_ALLOCATION),
                f.enumValue("compensation", Compensation.class, weights ? Compensation.NONE : DEFAULT_COMPENSATION),
                f.number("miAlpha", DEFAULT_MI_ALPHA),
                f.number("kernelScale", DEFAULT_KERNEL_SCALE),
                f.textSource("calibration"),
                f.integer("samples", DEFAULT_SAMPLES),
                f.integer("seqLen", DEFAULT_SEQ_LEN),
                f.integer("seed", 0L, Long.MIN_VALUE, Long.MAX_VALUE),
                f.textSource("eval"),
                f.integer("evalSeqLen", DEFAULT_EVAL_SEQ_LEN),
                f.string("outputModel"),
                qualityGate,
                orDefault(f.string("calibrationMode"), DEFAULT_CALIBRATION_MODE),
                f.integer("evalMaxTokens", 0L, 0, Long.MAX_VALUE),
                orDefault(f.string("export"), DEFAULT_EXPORT),
                f.optionalNumber("miThreshold"),
                f.optionalInteger("miTokens"),
                f.optionalNumber("sparsity"),
                f.string("pattern"),
                f.string("taylor"),
                orDefault(f.string("schedule"), ONE_SHOT),
                f.optionalInteger("scheduleSteps"),
                f.optionalInteger("recoverSteps"),
                paramRatio,
                f.optionalInteger("maskIterations"),
                f.optionalInteger("maskSamples"),
                f.optionalNumber("maskLr"),
                f.string("maskInit"),
                f.optionalInteger("maskWindows"),
                f.stringList("maskStructures"),
                f.string("maskSelect"),
                shape);
    }

    private static TargetShape targetShape(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        try {
            return TargetShape.fromJson(v);
        } catch (IllegalArgumentException e) {
            throw new RequestValidationException("targetShape", e.getMessage());
        }
    }

    private static String orDefault(String v, String d) {
        return v == null ? d : v;
    }

    public static PruneRequest parse(byte[] json) {
        try {
            return parse(Json.mapper().readTree(json));
        } catch (IOException e) {
            throw new RequestValidationException("data", "not valid JSON: " + e.getMessage());
        }
    }

    /** Parse and validate in one step, for adapters that have nothing to do in between. */
    public static PruneRequest parseValid(JsonNode data) {
        return parse(data).validate();
    }

    /** @return this, so it chains; throws {@link RequestValidationException} on the first bad field */
    public PruneRequest validate() {
        if (source == null) {
            throw new RequestValidationException("source", "is required");
        }
        source.validate();
        if (method == null) {
            throw new RequestValidationException("method", "is required");
        }
        requireFraction("ffnRatio", ffnRatio);
        requireFraction("headRatio", headRatio);
        if (dropLayers < 0) {
            throw new RequestValidationException("dropLayers", "must be >= 0, was " + dropLayers);
        }
        if (allocation == null) {
            throw new RequestValidationException("allocation", "is required");
        }
        if (compensation == null) {
            throw new RequestValidationException("compensation", "is required");
        }
        // α = 1 is the Shannon limit, where the Rényi formula's 1/(1-α) is undefined.
        if (!Double.isFinite(miAlpha) || miAlpha <= 0 || miAlpha == 1.0) {
            throw new RequestValidationException("miAlpha", "must be a finite number > 0 and != 1, was " + miAlpha);
        }
        if (!Double.isFinite(kernelScale) || kernelScale <= 0) {
            throw new RequestValidationException("kernelScale", "must be a finite number > 0, was " + kernelScale);
        }
        if (calibration == null || calibration.isBlank()) {
            throw new RequestValidationException("calibration", "is required (a text file to calibrate on)");
        }
        TextSource.validate("calibration", calibration);
        requireAtLeast("samples", samples, 1);
        requireAtLeast("seqLen", seqLen, 1);
        if (eval != null && eval.isBlank()) {
            throw new RequestValidationException("eval", "must not be blank when given");
        }
        TextSource.validate("eval", eval);
        // Perplexity needs at least one predicted token, so two in the window.
        requireAtLeast("evalSeqLen", evalSeqLen, 2);
        if (outputModel == null) {
            throw new RequestValidationException("outputModel", "is required (the store name to publish under)");
        }
        String reason = ModelNames.reasonInvalid(outputModel);
        if (reason != null) {
            throw new RequestValidationException("outputModel", "'" + outputModel + "' " + reason);
        }
        if (qualityGate != null) {
            qualityGate.validate();
        }
        if (!CALIBRATION_MODES.contains(calibrationMode)) {
            throw new RequestValidationException("calibrationMode", "must be one of " + CALIBRATION_MODES + ", was '" + calibrationMode + "'");
        }
        if (evalMaxTokens < 0) {
            throw new RequestValidationException("evalMaxTokens", "must be >= 0, was " + evalMaxTokens);
        }
        if (miThreshold != null) {
            if (!Double.isFinite(miThreshold) || miThreshold < 0) {
                throw new RequestValidationException("miThreshold", "must be a finite number of bits >= 0, was " + miThreshold);
            }
            if (method != PruneMethod.MI && method != PruneMethod.MI_PAIRWISE) {
                throw new RequestValidationException("miThreshold", "threshold mode needs an MI method (mi, mi-pairwise), not " + method.json());
            }
        }
        if (miTokens != null && miTokens < 2) {
            throw new RequestValidationException("miTokens", "must be >= 2, was " + miTokens);
        }
        if (miTokens != null && (long) samples * seqLen < miTokens) {
            throw new RequestValidationException("miTokens", "must not exceed the calibration tokens (samples × seqLen = "
                    + (long) samples * seqLen + "), was " + miTokens);
        }
        if (!EXPORTS.contains(export)) {
            throw new RequestValidationException("export", "must be one of " + EXPORTS + ", was '" + export + "'");
        }
        validateSparsity();
        if (taylor != null) {
            if (method != PruneMethod.TAYLOR && method != PruneMethod.FUSION) {
                throw new RequestValidationException("taylor", "applies to methods taylor and fusion, not " + method.json());
            }
            if (!TAYLOR_ESTIMATES.contains(taylor)) {
                throw new RequestValidationException("taylor", "must be one of " + TAYLOR_ESTIMATES + ", was '" + taylor + "'");
            }
            if (method == PruneMethod.FUSION && "vector".equals(taylor)) {
                throw new RequestValidationException("taylor", "fusion's coarse estimate is vector-wise already; its fine one is element or second-order");
            }
        }
        validateSchedule();
        validateMask();
        validateTargetShape();
        return this;
    }

    /** An adaptive schedule splits a structured ratio over steps; what it cannot split is refused naming the field. */
    private void validateSchedule() {
        if (!SCHEDULES.contains(schedule)) {
            throw new RequestValidationException("schedule", "must be one of " + SCHEDULES + ", was '" + schedule + "'");
        }
        if (recoverSteps != null && recoverSteps < 0) {
            throw new RequestValidationException("recoverSteps", "must be >= 0, was " + recoverSteps);
        }
        if (ONE_SHOT.equals(schedule)) {
            if (scheduleSteps != null) {
                throw new RequestValidationException("scheduleSteps", "applies to schedule adaptive only; schedule one-shot prunes in one step");
            }
            if (recoverSteps != null && recoverSteps > 0) {
                throw new RequestValidationException("recoverSteps", "runs between the steps of schedule adaptive; schedule one-shot has one step"
                        + " (use the recover command after it)");
            }
            return;
        }
        if (scheduleSteps != null && (scheduleSteps < 2 || scheduleSteps > MAX_SCHEDULE_STEPS)) {
            throw new RequestValidationException("scheduleSteps", "must be 2 to " + MAX_SCHEDULE_STEPS + " with schedule adaptive"
                    + (scheduleSteps == 1 ? " (1 step is schedule one-shot)" : "") + ", was " + scheduleSteps);
        }
        if (method.prunesWeights()) {
            throw new RequestValidationException("schedule", "adaptive splits ffnRatio and headRatio over steps; method " + method.json()
                    + " zeroes single weights and runs one-shot only");
        }
        if (method == PruneMethod.MASK_OPT) {
            throw new RequestValidationException("schedule", "adaptive splits ffnRatio and headRatio over steps; method mask-opt learns one"
                    + " mask for its whole budget and runs one-shot only");
        }
        if (dropLayers > 0) {
            throw new RequestValidationException("dropLayers", "must be 0 with schedule adaptive, which splits ffnRatio and headRatio over steps;"
                    + " drop layers in a one-shot run before or after it, was " + dropLayers);
        }
        if (miThreshold != null) {
            throw new RequestValidationException("miThreshold", "threshold mode decides the count while it prunes, so schedule adaptive has no"
                    + " total to split; give ffnRatio instead or use schedule one-shot");
        }
        if (ffnRatio == 0 && headRatio == 0) {
            throw new RequestValidationException("ffnRatio", "schedule adaptive splits ffnRatio and headRatio over steps, and both are 0:"
                    + " nothing to split");
        }
    }

    /** Steps of the schedule: 1 for one-shot, else the steps asked for or {@link #DEFAULT_SCHEDULE_STEPS}. */
    public int scheduleStepsOrDefault() {
        return ONE_SHOT.equals(schedule) ? 1 : scheduleSteps != null ? scheduleSteps : DEFAULT_SCHEDULE_STEPS;
    }

    public int recoverStepsOrDefault() {
        return recoverSteps == null ? 0 : recoverSteps;
    }


    /** Mask optimisation's fields go with method mask-opt, which learns FFN neuron masks only. */
    private void validateMask() {
        if (method != PruneMethod.MASK_OPT) {
            String[] given = {paramRatio != null ? "paramRatio" : null, maskIterations != null ? "maskIterations" : null,
                    maskSamples != null ? "maskSamples" : null, maskLr != null ? "maskLr" : null, maskInit != null ? "maskInit" : null,
                    maskWindows != null ? "maskWindows" : null, maskStructures != null ? "maskStructures" : null,
                    maskSelect != null ? "maskSelect" : null};
            for (String field : given) {
                if (field != null) {
                    throw new RequestValidationException(field, "applies to method mask-opt only, not " + method.json());
                }
            }
            return;
        }
        if (paramRatio != null && !(paramRatio > 0 && paramRatio < 1)) {
            throw new RequestValidationException("paramRatio", "must be > 0 and < 1 (the fraction of the model's parameters to remove), was " + paramRatio);
        }
        if (paramRatio != null && ffnRatio > 0) {
            throw new RequestValidationException("paramRatio", "and ffnRatio are two budgets for mask-opt; give one of them");
        }
        if (headRatio > 0) {
            throw new RequestValidationException("headRatio", "must be 0 with method mask-opt, whose masks cover FFN neurons only unless"
                    + " maskStructures names kv-groups (then the search chooses the KV groups itself)");
        }
        if (dropLayers > 0) {
            throw new RequestValidationException("dropLayers", "must be 0 with method mask-opt, whose masks cover FFN neurons only unless"
                    + " maskStructures names layers (then the search chooses the layers itself)");
        }
        validateMaskStructures();
        if (maskIterations != null && maskIterations < 1) {
            throw new RequestValidationException("maskIterations", "must be >= 1, was " + maskIterations);
        }
        if (maskSamples != null && maskSamples < 2) {
            throw new RequestValidationException("maskSamples", "must be >= 2 (each sample's baseline is the mean loss of the others), was " + maskSamples);
        }
        if (maskLr != null && !(maskLr > 0 && Double.isFinite(maskLr))) {
            throw new RequestValidationException("maskLr", "must be a finite number > 0, was " + maskLr);
        }
        if (maskInit != null && !MASK_INITS.contains(maskInit)) {
            throw new RequestValidationException("maskInit", "must be one of " + MASK_INITS + ", was '" + maskInit + "'");
        }
        if (maskWindows != null && (maskWindows < 1 || maskWindows > samples)) {
            throw new RequestValidationException("maskWindows", "must be >= 1 and at most samples (" + samples + "), was " + maskWindows);
        }
    }

    /** Known names, each once, at least one; KV groups and layers share one parameter budget over the whole model. */
    private void validateMaskStructures() {
        if (maskStructures == null) {
            return;
        }
        if (maskStructures.isEmpty()) {
            throw new RequestValidationException("maskStructures", "must name at least one of " + MASK_STRUCTURES);
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String name : maskStructures) {
            if (!MASK_STRUCTURES.contains(name)) {
                throw new RequestValidationException("maskStructures", "'" + name + "' is not one of " + MASK_STRUCTURES);
            }
            if (!seen.add(name)) {
                throw new RequestValidationException("maskStructures", "names '" + name + "' twice");
            }
        }
        if (seen.equals(java.util.Set.of("ffn"))) {
            return;
        }
        if (paramRatio == null) {
            throw new RequestValidationException("maskStructures", String.join(",", maskStructures)
                    + " needs paramRatio, one budget over all the model's parameters (ffnRatio counts FFN neurons only)");
        }
        if (allocation != Allocation.GLOBAL) {
            throw new RequestValidationException("maskStructures", String.join(",", maskStructures)
                    + " spends one parameter budget over the whole model: it needs allocation global, was " + allocation.json());
        }
    }

    /** A target shape is the whole structured target: no ratios, layer counts, threshold or weight sparsity beside it. */
    private void validateTargetShape() {
        if (targetShape == null) {
            return;
        }
        String why = "cannot be combined with targetShape, which sets the sizes itself";
        if (sparsity != null) {
            throw new RequestValidationException("targetShape", "cannot be combined with sparsity: a target shape removes whole layers,"
                    + " channels, heads and neurons; weight sparsity zeroes single weights");
        }
        if (method.prunesWeights()) {
            throw new RequestValidationException("method", method.json() + " zeroes single weights; a targetShape needs a structured method"
                    + " (mi, magnitude, wanda-sp, flap, random, ...)");
        }
        if (method == PruneMethod.MASK_OPT) {
            throw new RequestValidationException("method", "mask-opt learns per-layer widths under a budget; a targetShape sets every"
                    + " layer's sizes itself (use a structured method such as mi, magnitude, wanda-sp, flap or random)");
        }
        if (ADAPTIVE.equals(schedule)) {
            throw new RequestValidationException("schedule", "adaptive splits ffnRatio and headRatio over steps; a targetShape runs one-shot");
        }
        if (ffnRatio > 0) {
            throw new RequestValidationException("ffnRatio", why + " (ffn=F), was " + ffnRatio);
        }
        if (headRatio > 0) {
            throw new RequestValidationException("headRatio", why + " (heads=A, kv-heads=G), was " + headRatio);
        }
        if (dropLayers > 0) {
            throw new RequestValidationException("dropLayers", why + " (layers=L), was " + dropLayers);
        }
        if (miThreshold != null) {
            throw new RequestValidationException("miThreshold", why + " (a fixed count per layer, not a threshold)");
        }
    }

    /** Weight sparsity goes with a weight-sparsity method and nothing structured; an N:M pattern fixes the sparsity. */
    private void validateSparsity() {
        SparsityPattern p = null;
        if (pattern != null) {
            try {
                p = SparsityPattern.parse(pattern);
            } catch (IllegalArgumentException e) {
                throw new RequestValidationException("pattern", e.getMessage());
            }
            if (sparsity == null) {
                throw new RequestValidationException("sparsity", "is required when pattern is given (the fraction of weights to zero"
                        + (p.unstructured() ? "" : ", " + p.impliedSparsity() + " for " + p) + ")");
            }
        }
        if (sparsity == null) {
            if (method.prunesWeights()) {
                throw new RequestValidationException("sparsity", "is required with method " + method.json()
                        + " (the fraction of every linear layer's weights to zero, > 0 and < 1)");
            }
            return;
        }
        if (!(sparsity > 0 && sparsity < 1)) {
            throw new RequestValidationException("sparsity", "must be > 0 and < 1, was " + sparsity);
        }
        if (!method.prunesWeights()) {
            throw new RequestValidationException("sparsity", "applies to the weight-sparsity methods wanda, sparsegpt and sparsellm; " + method.json()
                    + " removes whole neurons, heads or layers (use ffnRatio, headRatio, dropLayers)");
        }
        if (p != null && !p.unstructured() && Math.abs(p.impliedSparsity() - sparsity) > 1e-9) {
            throw new RequestValidationException("sparsity", "must be " + p.impliedSparsity() + " with pattern " + p + " (" + p.kept()
                    + " of every " + p.group() + " weights kept), was " + sparsity);
        }
        String weights = "must be 0 with method " + method.json() + ", which zeroes single weights instead";
        if (ffnRatio > 0) {
            throw new RequestValidationException("ffnRatio", weights + ", was " + ffnRatio);
        }
        if (headRatio > 0) {
            throw new RequestValidationException("headRatio", weights + ", was " + headRatio);
        }
        if (dropLayers > 0) {
            throw new RequestValidationException("dropLayers", weights + ", was " + dropLayers);
        }
        if (compensation != Compensation.NONE) {
            throw new RequestValidationException("compensation", "must be none with method " + method.json() + " ("
                    + (method == PruneMethod.WANDA ? "it keeps the remaining weights as they are" : "it updates the kept weights itself")
                    + "; bias and lsq refit removed neurons), was " + compensation.json());
        }
    }

    /** The pattern to apply: the one given, else unstructured. */
    public String patternOrDefault() {
        return pattern == null ? SparsityPattern.UNSTRUCTURED.toString() : pattern;
    }

    private static void requireFraction(String field, double value) {
        // Removing everything (1.0) leaves no layer to run; NaN would slip through < comparisons.
        if (!(value >= 0.0 && value < 1.0)) {
            throw new RequestValidationException(field, "must be >= 0 and < 1, was " + value);
        }
    }

    private static void requireAtLeast(String field, int value, int min) {
        if (value < min) {
            throw new RequestValidationException(field, "must be >= " + min + ", was " + value);
        }
    }

    /** The MI token count to use: the one asked for, else the default capped to the calibration tokens. */
    public int miTokensOrDefault() {
        return miTokens != null ? miTokens : (int) Math.min(DEFAULT_MI_TOKENS, (long) samples * seqLen);
    }

    public JsonNode toJson() {
        return Json.toTree(this);
    }
}
