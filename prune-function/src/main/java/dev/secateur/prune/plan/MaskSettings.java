package dev.secateur.prune.plan;

/**
 * The knobs of forward-only mask optimisation ({@code --method mask-opt}, after Gao et al., arXiv 2406.10576).
 *
 * @param iterations policy-gradient steps
 * @param samples masks sampled per step (at least 2: each sample's baseline is the mean loss of the others)
 * @param learningRate step on θ, in units of the iteration's loss standard deviation (see {@link MaskPolicy#step})
 * @param init "mi": θ from the mi criterion's removal order (layers ranked together on z-scored costs, as allocation
 *             global); "mi-error": the same on mi's own costs (as allocation global-error); "uniform": every θ at the
 *             kept fraction
 * @param windows calibration windows (the first ones of the sampled calibration set) every mask's loss is measured on
 * @param paramRatio fraction of the model's parameters to remove, or null to take the FFN ratio as the budget
 * @param structures what the policy holds variables over: FFN neurons, KV groups, whole layers (at least one)
 * @param select which units the plan removes inside each layer: "mi" (the search fixes the per-layer counts, the mi
 *     criterion chooses the units at those counts, as in a uniform mi run) or "search" (the final mask's own units);
 *     checked by OptionRules, which names the request field
 */
public record MaskSettings(int iterations, int samples, double learningRate, String init, int windows, Double paramRatio,
        java.util.Set<MaskStructure> structures, String select) {
    public static final int DEFAULT_ITERATIONS = 40;
    public static final int DEFAULT_SAMPLES = 8;
    public static final double DEFAULT_LEARNING_RATE = 0.1;
    public static final String DEFAULT_INIT = "mi";
    public static final int DEFAULT_WINDOWS = 4;
    public static final java.util.List<String> INITS = java.util.List.of("mi", "mi-error", "uniform");
    public static final String SELECT_MI = "mi";
    public static final String SELECT_SEARCH = "search";
    public static final java.util.List<String> SELECTIONS = java.util.List.of(SELECT_MI, SELECT_SEARCH);
    public static final String DEFAULT_SELECT = SELECT_MI;

    public MaskSettings {
        if (structures == null || structures.isEmpty()) {
            throw new IllegalArgumentException("mask structures must name at least one of " + MaskStructure.names());
        }
        structures = java.util.Collections.unmodifiableSet(java.util.EnumSet.copyOf(structures));
        if (iterations < 1) {
            throw new IllegalArgumentException("mask iterations must be >= 1, was " + iterations);
        }
        if (samples < 2) {
            throw new IllegalArgumentException("mask samples must be >= 2 (the baseline of each sample is the others' mean loss), was " + samples);
        }
        if (!(learningRate > 0 && Double.isFinite(learningRate))) {
            throw new IllegalArgumentException("mask learning rate must be a finite number > 0, was " + learningRate);
        }
        if (!INITS.contains(init)) {
            throw new IllegalArgumentException("mask init must be one of " + INITS + ", was '" + init + "'");
        }
        if (windows < 1) {
            throw new IllegalArgumentException("mask windows must be >= 1, was " + windows);
        }
        if (paramRatio != null && !(paramRatio > 0 && paramRatio < 1)) {
            throw new IllegalArgumentException("param ratio must be > 0 and < 1, was " + paramRatio);
        }
    }

    /** Over FFN neurons only, the default selection. */
    public MaskSettings(int iterations, int samples, double learningRate, String init, int windows, Double paramRatio) {
        this(iterations, samples, learningRate, init, windows, paramRatio, java.util.EnumSet.of(MaskStructure.FFN), DEFAULT_SELECT);
    }

    /** The same settings over these structures. */
    public MaskSettings withStructures(java.util.Set<MaskStructure> s) {
        return new MaskSettings(iterations, samples, learningRate, init, windows, paramRatio, s, select);
    }

    /** The same settings with this selection ("mi" or "search"). */
    public MaskSettings withSelect(String s) {
        return new MaskSettings(iterations, samples, learningRate, init, windows, paramRatio, structures, s);
    }

    /** Whether the mi criterion chooses the units inside each layer at the search's per-layer counts. */
    public boolean selectsByMi() {
        return SELECT_MI.equals(select);
    }

    /** Whether the policy holds one variable per FFN neuron and nothing else (the per-neuron {@link MaskPolicy}). */
    public boolean ffnOnly() {
        return MaskStructure.ffnOnly(structures);
    }

    public boolean masks(MaskStructure s) {
        return structures.contains(s);
    }

    public static MaskSettings defaults() {
        return new MaskSettings(DEFAULT_ITERATIONS, DEFAULT_SAMPLES, DEFAULT_LEARNING_RATE, DEFAULT_INIT, DEFAULT_WINDOWS, null);
    }

    public boolean initFromMi() {
        return "mi".equals(init) || "mi-error".equals(init);
    }

    /** θ's start ranks mi's costs across layers as they are, not z-scored per layer. */
    public boolean initFromRawCosts() {
        return "mi-error".equals(init);
    }
}
