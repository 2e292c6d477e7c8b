package dev.secateur.prune.plan;

import dev.secateur.events.Allocation;
import dev.secateur.prune.criterion.RemovalOrder;
import dev.secateur.prune.criterion.Structure;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** Turns per-layer removal orders into how many units each layer loses, and which. */
public final class UnitAllocator {
    private UnitAllocator() {
    }

    /**
     * @param orders one per layer, in layer order (layers that are dropped anyway may be included)
     * @param groupSize query heads per KV group (ATTENTION_HEADS; 1 otherwise): a unit is one KV group
     * @return per layer, the removed units (a prefix of its order)
     */
    public static List<int[]> removed(List<RemovalOrder> orders, Target t, int groupSize) {
        int[] counts = counts(orders, t, groupSize);
        List<int[]> out = new ArrayList<>();
        for (int l = 0; l < orders.size(); l++) {
            out.add(Arrays.copyOf(orders.get(l).order(), counts[l]));
        }
        return out;
    }

    /** How many units one layer loses under a per-layer (uniform or threshold) target; {@code layer} names it in errors. */
    public static int count(RemovalOrder order, Target t, int groupSize, int layer) {
        if (t.allocation().global() && t.threshold() == null) {
            throw new IllegalArgumentException("a global target is allocated over all layers at once, not per layer");
        }
        return counts(List.of(order), t, groupSize, layer)[0];
    }

    /**
     * The units a ratio target removes from {@code units} units (one layer's, or the model's under global allocation), by the
     * same rounding and checks as a run: what a schedule splits into steps.
     */
    public static int total(int units, Target t, int groupSize) {
        return unitsToRemove(units, t.ratio(), groupSize, t, -1);
    }

    /** Sorted complement of the removed units. */
    public static int[] kept(int units, int[] removed) {
        boolean[] gone = new boolean[units];
        for (int r : removed) {
            gone[r] = true;
        }
        return java.util.stream.IntStream.range(0, units).filter(i -> !gone[i]).toArray();
    }

    static int[] counts(List<RemovalOrder> orders, Target t, int groupSize) {
        return counts(orders, t, groupSize, 0);
    }

    /** @param firstLayer the index of orders.get(0) in the model, for messages */
    private static int[] counts(List<RemovalOrder> orders, Target t, int groupSize, int firstLayer) {
        int layers = orders.size();
        int[] counts = new int[layers];
        String what = t.structure() == Structure.ATTENTION_HEADS ? "KV groups" : "FFN neurons";
        if (t.keep() != null) {
            for (int l = 0; l < layers; l++) {
                int units = orders.get(l).units();
                if (t.keep() > units) {
                    throw new IllegalArgumentException("layer " + (firstLayer + l) + " has " + units + " " + what + ", fewer than the " + t.keep() + " to keep");
                }
                counts[l] = units - t.keep();
            }
            return counts;
        }
        if (t.threshold() != null) {
            for (int l = 0; l < layers; l++) {
                RemovalOrder o = orders.get(l);
                int cap = t.ratio() > 0 ? unitsToRemove(o.units(), t.ratio(), groupSize, t, firstLayer + l) : o.units() - 1;
                int k = 0;
                while (k < Math.min(cap, o.units() - 1)) {
                    double info = o.information()[k];
                    if (Double.isNaN(info)) {
                        throw new IllegalArgumentException("threshold mode needs an MI criterion (mi, mi-pairwise): layer " + (firstLayer + l)
                                + " has no information value at step " + k);
                    }
                    if (!(info > t.threshold())) {
                        break;
                    }
                    k++;
                }
                counts[l] = k;
            }
            return counts;
        }
        if (t.allocation() == Allocation.UNIFORM) {
            for (int l = 0; l < layers; l++) {
                counts[l] = unitsToRemove(orders.get(l).units(), t.ratio(), groupSize, t, firstLayer + l);
            }
            return counts;
        }
        // GLOBAL: z-score each layer's costs (GLOBAL_ERROR: keep them as they are), make them non-decreasing along
        // the order, rank all together
        int totalUnits = orders.stream().mapToInt(RemovalOrder::units).sum();
        int total = unitsToRemove(totalUnits, t.ratio(), groupSize, t, -1);
        List<double[]> entries = new ArrayList<>(); // {cost, layer, position}
        int allowed = 0;
        for (int l = 0; l < layers; l++) {
            RemovalOrder o = orders.get(l);
            double[] z = t.allocation() == Allocation.GLOBAL_ERROR ? o.cost() : zscore(o.cost());
            int floor = Math.max(1, (int) Math.ceil(t.minKeep() * o.units()));
            int removable = o.units() - floor;
            double run = Double.NEGATIVE_INFINITY;
            for (int p = 0; p < removable; p++) {
                run = Math.max(run, z[p]);
                entries.add(new double[] {run, l, p});
            }
            allowed += Math.max(0, removable);
        }
        if (total > allowed) {
            throw new IllegalArgumentException("ratio " + t.ratio() + " needs " + total + " " + what + " removed but the per-layer floor ("
                    + t.minKeep() + ", at least one unit) allows only " + allowed);
        }
        entries.sort(Comparator.<double[]>comparingDouble(e -> e[0]).thenComparingDouble(e -> e[2]).thenComparingDouble(e -> e[1]));
        for (int i = 0; i < total; i++) {
            counts[(int) entries.get(i)[1]]++;
        }
        return counts;
    }

    /** round(ratio·units) units, validated: heads go in whole KV groups, a layer never empties. */
    private static int unitsToRemove(int units, double ratio, int groupSize, Target t, int layer) {
        String where = layer < 0 ? "the model" : "layer " + layer;
        if (t.structure() == Structure.ATTENTION_HEADS) {
            int heads = units * groupSize;
            long removeHeads = Math.round(ratio * heads);
            if (removeHeads % groupSize != 0) {
                throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                        "head ratio %s removes %d of %d query heads in %s, which is not a whole number of KV groups of %d heads"
                                + " (use a multiple of %.4f)", ratio, removeHeads, heads, where, groupSize, 1.0 / units));
            }
            int groups = (int) (removeHeads / groupSize);
            if (groups >= units) {
                throw new IllegalArgumentException("head ratio " + ratio + " would remove all " + units + " KV groups of " + where);
            }
            return groups;
        }
        int k = (int) Math.round(ratio * units);
        if (k >= units) {
            throw new IllegalArgumentException("ratio " + ratio + " would remove all " + units + " " + t.structure() + " units of " + where);
        }
        return k;
    }

    static double[] zscore(double[] x) {
        double s = 0, sq = 0;
        int n = 0;
        for (double v : x) {
            if (Double.isFinite(v)) {
                s += v;
                sq += v * v;
                n++;
            }
        }
        double mean = n == 0 ? 0 : s / n;
        double sd = n == 0 ? 1 : Math.sqrt(Math.max(0, sq / n - mean * mean));
        double[] z = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            z[i] = Double.isFinite(x[i]) ? (sd > 0 ? (x[i] - mean) / sd : 0) : (x[i] > 0 ? Double.MAX_VALUE : -Double.MAX_VALUE);
        }
        return z;
    }
}
