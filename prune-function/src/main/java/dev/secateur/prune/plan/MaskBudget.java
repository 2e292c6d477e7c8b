package dev.secateur.prune.plan;

import dev.secateur.events.Allocation;
import java.util.Arrays;

/**
 * How many FFN neurons a learned mask keeps: in total (GLOBAL, with a per-layer floor) or per layer (UNIFORM). A
 * parameter budget is turned into neurons by the parameters one neuron owns (its gate and up rows, its down column and
 * their biases), which is the same in every layer of a model since they share the hidden size.
 *
 * @param widths dense FFN width per layer
 * @param kept kept neurons per layer (UNIFORM), or a single entry: kept in total (GLOBAL)
 * @param floors at least this many neurons stay in each layer (GLOBAL; under UNIFORM the kept count itself)
 * @param removedParameters parameters the removed neurons own
 */
public record MaskBudget(int[] widths, Allocation allocation, int[] kept, int[] floors, long removedParameters) {

    /**
     * @param ratio fraction of {@code totalParameters} to remove
     * @param neuronParameters parameters one FFN neuron owns
     */
    public static MaskBudget fromParameters(int[] widths, long neuronParameters, long totalParameters, double ratio, Allocation allocation,
            double minKeep) {
        long removed = Math.round(ratio * totalParameters / neuronParameters);
        int total = Arrays.stream(widths).sum();
        String what = String.format(java.util.Locale.ROOT, "param ratio %s (%,d of %,d parameters, %,d FFN neurons of %,d parameters each)",
                ratio, Math.round(ratio * totalParameters), totalParameters, removed, neuronParameters);
        if (removed < 1) {
            throw new IllegalArgumentException(what + " removes no FFN neuron");
        }
        if (allocation == Allocation.UNIFORM) {
            int[] kept = new int[widths.length];
            for (int l = 0; l < widths.length; l++) {
                kept[l] = widths[l] - (int) Math.round((double) removed * widths[l] / total);
                if (kept[l] < 1) {
                    throw new IllegalArgumentException(what + " would empty layer " + l + " (uniform allocation); the FFN has only " + total + " neurons");
                }
            }
            return new MaskBudget(widths, allocation, kept, kept.clone(), neuronParameters * (total - Arrays.stream(kept).sum()));
        }
        return global(widths, removed, minKeep, what, neuronParameters);
    }

    /** The FFN ratio as the budget: round(ratio × width) per layer (UNIFORM) or round(ratio × all neurons) (GLOBAL). */
    public static MaskBudget fromFfnRatio(int[] widths, long neuronParameters, double ratio, Allocation allocation, double minKeep) {
        int total = Arrays.stream(widths).sum();
        String what = "ffn ratio " + ratio;
        if (allocation == Allocation.UNIFORM) {
            int[] kept = new int[widths.length];
            for (int l = 0; l < widths.length; l++) {
                kept[l] = widths[l] - (int) Math.round(ratio * widths[l]);
                if (kept[l] < 1) {
                    throw new IllegalArgumentException(what + " would empty layer " + l);
                }
            }
            return new MaskBudget(widths, allocation, kept, kept.clone(), neuronParameters * (total - Arrays.stream(kept).sum()));
        }
        return global(widths, Math.round(ratio * total), minKeep, what, neuronParameters);
    }

    private static MaskBudget global(int[] widths, long removed, double minKeep, String what, long neuronParameters) {
        int total = Arrays.stream(widths).sum();
        int[] floors = new int[widths.length];
        long removable = 0;
        for (int l = 0; l < widths.length; l++) {
            floors[l] = Math.max(1, (int) Math.ceil(minKeep * widths[l]));
            removable += widths[l] - floors[l];
        }
        if (removed > removable) {
            throw new IllegalArgumentException(what + " needs " + removed + " FFN neurons removed, but the FFN has " + total
                    + " and the per-layer floor (" + minKeep + " of each layer, at least one neuron) leaves only " + removable + " removable");
        }
        return new MaskBudget(widths, Allocation.GLOBAL, new int[] {(int) (total - removed)}, floors, neuronParameters * removed);
    }

    /** Parameters one FFN neuron owns: its gate and up rows, its down column and their biases. */
    public static long neuronParameters(dev.secateur.model.LayerWeights w) {
        long n = w.up().dim(1) + w.down().dim(0);
        if (w.gate() != null) {
            n += w.gate().dim(1);
        }
        return n + (w.upBias() == null ? 0 : 1) + (w.gateBias() == null ? 0 : 1);
    }

    public int layers() {
        return widths.length;
    }

    /** The budget groups: one per layer under UNIFORM, one for the whole model under GLOBAL. */
    int[][] groups() {
        if (allocation == Allocation.UNIFORM) {
            int[][] g = new int[widths.length][];
            for (int l = 0; l < widths.length; l++) {
                g[l] = new int[] {l};
            }
            return g;
        }
        int[] all = new int[widths.length];
        Arrays.setAll(all, l -> l);
        return new int[][] {all};
    }

    public int keptTotal() {
        return Arrays.stream(kept).sum();
    }

    public int removedTotal() {
        return Arrays.stream(widths).sum() - keptTotal();
    }
}
