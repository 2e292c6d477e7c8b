package dev.secateur.prune.engine;

import dev.secateur.events.Allocation;
import dev.secateur.model.TargetShape;
import dev.secateur.prune.compensate.Compensators;
import dev.secateur.prune.criterion.Criteria;
import dev.secateur.prune.criterion.FusionCriterion;
import dev.secateur.prune.criterion.TaylorVariant;
import dev.secateur.prune.plan.MaskSettings;
import dev.secateur.prune.plan.MaskStructure;
import dev.secateur.prune.sparsity.SparsityMethods;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link PruneOptions} must satisfy before any file is opened: value ranges and the combinations the engine cannot
 * run. Each refusal names the prune request's JSON field, so the service and the CLI report it without reading the text.
 * What needs the model itself (its sizes, architecture or context) is checked where the model is read, with the same
 * exception.
 */
final class OptionRules {
    static final String MASK_OPT = "mask-opt";
    static final List<String> METHODS = methods();
    private static final List<String> MI_METHODS = List.of("mi", "mi-pairwise");

    private OptionRules() {
    }

    static void check(PruneOptions o) {
        required("source", o.model());
        required("calibration", o.calibration());
        required("output", o.output());
        required("device", o.device());
        required("allocation", o.allocation());
        required("calibrationMode", o.calibrationMode());
        required("schedule", o.schedule());
        atLeast("samples", o.samples(), 1);
        atLeast("seqLen", o.seqLen(), 1);
        // perplexity needs at least one predicted token, so two in the window
        atLeast("evalSeqLen", o.evalSeqLen(), 2);
        if (o.evalMaxTokens() < 0) {
            throw new InvalidOptionException("evalMaxTokens", "must be >= 0, was " + o.evalMaxTokens());
        }
        if (!METHODS.contains(o.criterion())) {
            throw new InvalidOptionException("method", "unknown pruning method '" + o.criterion() + "' (known: " + String.join(", ", METHODS) + ")");
        }
        // Only mi's costs are on one scale in every layer (the output error a refit cannot recover); ranking other
        // criteria's raw scores across layers would compare numbers of different layers' units.
        if (o.allocation() == Allocation.GLOBAL_ERROR && !"mi".equals(o.criterion())) {
            throw new InvalidOptionException("allocation", "global-error ranks raw costs across layers, which only method mi's are"
                    + " comparable across (output error after a refit); with " + o.criterion() + " use global");
        }
        if (!Compensators.NAMES.contains(o.compensation())) {
            throw new InvalidOptionException("compensation", "unknown compensation '" + o.compensation() + "' (known: "
                    + String.join(", ", Compensators.NAMES) + ")");
        }
        fraction("ffnRatio", o.ffnRatio());
        fraction("headRatio", o.headRatio());
        fraction("dropLayers", o.layerRatio());
        if (o.threshold() != null && !(Double.isFinite(o.threshold()) && o.threshold() >= 0)) {
            throw new InvalidOptionException("miThreshold", "must be a finite number of bits >= 0, was " + o.threshold());
        }
        if (!(o.minKeep() >= 0 && o.minKeep() < 1)) {
            throw new InvalidOptionException("minKeep", "must be >= 0 and < 1, was " + o.minKeep());
        }
        if (!(Double.isFinite(o.kernelScale()) && o.kernelScale() > 0)) {
            throw new InvalidOptionException("kernelScale", "must be a finite number > 0, was " + o.kernelScale());
        }
        atLeast("miTokens", o.miTokens(), 2);
        atLeast("maxTokens", o.maxTokens(), 1);
        if (!(Double.isFinite(o.ridge()) && o.ridge() >= 0)) {
            throw new InvalidOptionException("ridge", "must be a finite number >= 0, was " + o.ridge());
        }
        atLeast("batchSize", o.batchSize(), 1);
        taylor(o);
        sparsity(o);
        targetShape(o);
        mask(o);
        schedule(o);
        if (o.threshold() != null && !MI_METHODS.contains(o.criterion())) {
            throw new InvalidOptionException("miThreshold", "threshold mode needs an MI method (mi, mi-pairwise), not " + o.criterion());
        }
        somethingToPrune(o);
    }

    private static void taylor(PruneOptions o) {
        if (o.taylor() == null) {
            return;
        }
        if (!Criteria.needsGradients(o.criterion())) {
            throw new InvalidOptionException("taylor", "applies to methods taylor and fusion, not " + o.criterion());
        }
        if (!TaylorVariant.NAMES.contains(o.taylor())) {
            throw new InvalidOptionException("taylor", "must be one of " + String.join(", ", TaylorVariant.NAMES) + ", was '" + o.taylor() + "'");
        }
        if ("fusion".equals(o.criterion()) && TaylorVariant.parse(o.taylor()) == FusionCriterion.COARSE) {
            throw new InvalidOptionException("taylor", "fusion's coarse estimate is vector-wise already; its fine one is element or second-order, was "
                    + o.taylor());
        }
    }

    /** Weight sparsity zeroes single weights: it has no ranking of neurons, heads or layers to cut by, nor units to refit. */
    private static void sparsity(PruneOptions o) {
        boolean weights = SparsityMethods.prunesWeights(o.criterion());
        if (!weights) {
            if (o.sparsity() != null) {
                throw new InvalidOptionException("sparsity", "applies to the weight-sparsity methods (" + String.join(", ", SparsityMethods.NAMES)
                        + "); " + o.criterion() + " removes whole neurons, heads or layers");
            }
            return;
        }
        if (o.sparsity() == null) {
            throw new InvalidOptionException("sparsity", "method " + o.criterion() + " needs a sparsity, the fraction of weights to zero");
        }
        if (!"none".equals(o.compensation())) {
            throw new InvalidOptionException("compensation", o.compensation() + " refits whole removed units; " + o.criterion()
                    + " zeroes single weights (sparsegpt updates the kept weights itself), so give none");
        }
        String field = structuredField(o);
        if (field != null) {
            throw new InvalidOptionException(field, "method " + o.criterion() + " zeroes single weights; it cannot also remove FFN neurons,"
                    + " heads or layers");
        }
    }

    /** Mask optimisation learns masks under one budget (a parameter ratio or the FFN ratio) and selects units one known way. */
    private static void mask(PruneOptions o) {
        if (!MASK_OPT.equals(o.criterion())) {
            if (o.mask() != null) {
                throw new InvalidOptionException("method", "mask settings apply to method mask-opt only, not " + o.criterion());
            }
            return;
        }
        if (o.headRatio() != null) {
            throw new InvalidOptionException("headRatio", "mask-opt learns which units to remove itself; it cannot also take a head ratio"
                    + " (mask structure kv-groups lets it remove KV groups)");
        }
        if (o.layerRatio() != null) {
            throw new InvalidOptionException("dropLayers", "mask-opt learns which units to remove itself; it cannot also drop layers"
                    + " (mask structure layers lets it drop layers)");
        }
        if (o.threshold() != null) {
            throw new InvalidOptionException("miThreshold", "mask-opt has a budget, not a threshold");
        }
        if (o.mask() != null && (o.mask().select() == null || !MaskSettings.SELECTIONS.contains(o.mask().select()))) {
            throw new InvalidOptionException("maskSelect", "must be one of " + MaskSettings.SELECTIONS + ", was '" + o.mask().select() + "'");
        }
        Double paramRatio = o.mask() == null ? null : o.mask().paramRatio();
        if (paramRatio != null && o.ffnRatio() != null) {
            throw new InvalidOptionException("paramRatio", "and ffnRatio are two budgets for mask-opt; give one of them");
        }
        if (paramRatio == null && o.ffnRatio() == null) {
            throw new InvalidOptionException("ffnRatio", "nothing to prune: mask-opt needs a parameter ratio or an FFN ratio");
        }
        if (o.mask() != null && o.mask().initFromRawCosts() && !o.mask().ffnOnly()) {
            throw new InvalidOptionException("maskInit", "mi-error starts FFN masks only; with mask structures "
                    + String.join(",", o.mask().structures().stream().map(MaskStructure::text).toList()) + " use mi or uniform");
        }
        if (o.mask() != null && !o.mask().ffnOnly()) {
            String names = String.join(",", o.mask().structures().stream().map(MaskStructure::text).toList());
            if (paramRatio == null) {
                throw new InvalidOptionException("paramRatio", "mask structures " + names
                        + ": the budget is a parameter ratio over the whole model, not an FFN ratio");
            }
            if (o.allocation() != Allocation.GLOBAL) {
                throw new InvalidOptionException("allocation", "mask structures " + names
                        + ": one parameter budget over the whole model needs allocation global");
            }
        }
    }

    /** A target shape is the whole structured target; what it cannot be combined with regardless of the model. */
    private static void targetShape(PruneOptions o) {
        TargetShape t = o.targetShape();
        if (t == null) {
            return;
        }
        if (o.sparsity() != null || SparsityMethods.prunesWeights(o.criterion())) {
            throw new InvalidOptionException("targetShape", "a target shape removes whole layers, channels, heads and neurons; it cannot be"
                    + " combined with weight sparsity (" + String.join(", ", SparsityMethods.NAMES) + ")");
        }
        String field = structuredField(o);
        if (field != null) {
            throw new InvalidOptionException(field, "cannot be combined with targetShape, which sets the sizes itself (a target shape"
                    + " takes no FFN or head ratio, dropped layers or MI threshold)");
        }
        if (MASK_OPT.equals(o.criterion())) {
            throw new InvalidOptionException("method", "a target shape sets every layer's sizes itself; mask-opt learns per-layer widths under"
                    + " a budget (use it without a target shape)");
        }
        if (t.hidden() != null) {
            if (o.calibrationMode() != CalibrationMode.SEQUENTIAL) {
                throw new InvalidOptionException("targetShape", "hidden=" + t.hidden() + " calibrates every block on the narrowed residual"
                        + " stream: the calibration mode must be sequential");
            }
            if (Criteria.needsGradients(o.criterion())) {
                throw new InvalidOptionException("targetShape", "hidden=" + t.hidden() + ": " + o.criterion() + " has no score for hidden"
                        + " channels (use mi, magnitude, wanda-sp, flap or random)");
            }
        }
    }

    /** An adaptive schedule splits the FFN and head ratios over steps; anything it has no total to split of runs one-shot. */
    private static void schedule(PruneOptions o) {
        if (!o.schedule().adaptive()) {
            return;
        }
        String oneShot = "adaptive splits ffnRatio and headRatio over steps; ";
        if (o.sparsity() != null || SparsityMethods.prunesWeights(o.criterion())) {
            throw new InvalidOptionException("schedule", oneShot + "method " + o.criterion() + " zeroes single weights and runs one-shot only");
        }
        if (MASK_OPT.equals(o.criterion())) {
            throw new InvalidOptionException("schedule", oneShot + "method mask-opt learns one mask for its whole budget and runs one-shot only");
        }
        if (o.targetShape() != null) {
            throw new InvalidOptionException("schedule", oneShot + "a targetShape runs one-shot");
        }
        if (o.layerRatio() != null) {
            throw new InvalidOptionException("dropLayers", "must be 0 with schedule adaptive, which splits ffnRatio and headRatio over steps;"
                    + " drop layers in a one-shot run before or after it");
        }
        if (o.threshold() != null) {
            throw new InvalidOptionException("miThreshold", "threshold mode decides the count while it prunes, so schedule adaptive has no"
                    + " total to split; give ffnRatio instead or use schedule one-shot");
        }
        if (zero(o.ffnRatio()) && zero(o.headRatio())) {
            throw new InvalidOptionException("ffnRatio", "schedule adaptive splits ffnRatio and headRatio over steps, and both are 0:"
                    + " nothing to split");
        }
    }

    private static void somethingToPrune(PruneOptions o) {
        boolean structured = o.ffnRatio() != null || o.headRatio() != null || o.layerRatio() != null || o.threshold() != null
                || o.targetShape() != null;
        if (!structured && o.sparsity() == null && !MASK_OPT.equals(o.criterion())) {
            throw new InvalidOptionException("ffnRatio", "nothing to prune: give an FFN, head or layer target, or a sparsity");
        }
    }

    /** The request field of the first structured target set, or null. */
    private static String structuredField(PruneOptions o) {
        return o.ffnRatio() != null ? "ffnRatio" : o.headRatio() != null ? "headRatio" : o.layerRatio() != null ? "dropLayers"
                : o.threshold() != null ? "miThreshold" : null;
    }

    private static boolean zero(Double ratio) {
        return ratio == null || ratio == 0;
    }

    private static void required(String field, Object value) {
        if (value == null) {
            throw new InvalidOptionException(field, "is required");
        }
    }

    private static void atLeast(String field, long value, long min) {
        if (value < min) {
            throw new InvalidOptionException(field, "must be >= " + min + ", was " + value);
        }
    }

    private static void fraction(String field, Double value) {
        // removing everything (1.0) leaves no layer to run; NaN would slip through < comparisons
        if (value != null && !(value >= 0.0 && value < 1.0)) {
            throw new InvalidOptionException(field, "must be >= 0 and < 1, was " + value);
        }
    }

    private static List<String> methods() {
        List<String> m = new ArrayList<>(Criteria.NAMES);
        m.add(MASK_OPT);
        m.addAll(SparsityMethods.NAMES);
        return List.copyOf(m);
    }
}
