package dev.secateur.prune.plan;

import dev.secateur.prune.criterion.RemovalOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Keep probabilities over several structures at once (any of FFN neurons, KV groups and whole layers) under one global
 * parameter budget, where units cost different numbers of parameters. After every step θ is moved onto the budget by one
 * shift for all units, θ_i ← clip(θ_i − τ, ε, 1 − ε), τ found by bisection so that the expected kept parameters
 * ({@link StructureCosts#kept}: a neuron or group counts only inside a kept layer) equal the budget. Without layer
 * variables that expectation is Σ cost_i θ_i, and the common shift is the projection onto Σ cost_i θ_i = target in the
 * metric Σ cost_i (Δθ_i)², each parameter weighing the same; with them it is bilinear, but still increasing in every θ,
 * so the shift that meets it is unique.
 *
 * <p>The final mask ({@link #mostLikely}) never removes more than the budget: it drops layers of lowest θ, then removes
 * neurons and groups by ascending θ, skipping a unit that would overshoot the budget or break a floor (one layer, one KV
 * group per kept layer, the FFN floor per kept layer), so it ends less than the cheapest held unit short of the budget
 * unless the floors stop it; how many layers go is chosen by the mask's likelihood under θ.
 */
public final class StructuredMaskPolicy {
    private final StructureCosts costs;
    private final long removedTarget;
    private final int[] ffnFloor;
    private final double eps;
    /** null where the structure is not held. */
    private final double[] layers;
    private final double[][] ffn;
    private final double[][] groups;

    private StructuredMaskPolicy(StructureCosts costs, long removedTarget, int[] ffnFloor, double eps, double[] layers, double[][] ffn,
            double[][] groups) {
        this.costs = costs;
        this.removedTarget = removedTarget;
        this.ffnFloor = ffnFloor;
        this.eps = eps;
        this.layers = layers;
        this.ffn = ffn;
        this.groups = groups;
        project();
    }

    /**
     * @param ratio fraction of all parameters to remove
     * @param minKeep FFN floor of each kept layer, as a fraction of its width (at least one neuron)
     * @param ffnOrders per-layer removal orders θ over neurons starts from, or null for a uniform start
     * @param groupOrders per-layer removal orders over KV groups likewise, or null
     */
    public static StructuredMaskPolicy create(StructureCosts c, Set<MaskStructure> structures, double ratio, double minKeep,
            List<RemovalOrder> ffnOrders, List<RemovalOrder> groupOrders) {
        int n = c.layers();
        long removed = Math.round(ratio * c.total());
        String what = String.format(Locale.ROOT, "param ratio %s (%,d of %,d parameters) over mask structures %s", ratio, removed, c.total(),
                structures.stream().map(MaskStructure::text).toList());
        try {
            StructureCosts.refuseImpossible(c, structures);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("mask structure " + e.getMessage(), e);
        }
        int[] floor = new int[n];
        for (int l = 0; l < n; l++) {
            floor[l] = structures.contains(MaskStructure.FFN) ? Math.max(1, (int) Math.ceil(minKeep * c.widths()[l])) : c.widths()[l];
        }
        long cheapest = Long.MAX_VALUE;
        for (int l = 0; l < n; l++) {
            cheapest = Math.min(cheapest, structures.contains(MaskStructure.FFN) ? c.neuron()[l] : Long.MAX_VALUE);
            cheapest = Math.min(cheapest, structures.contains(MaskStructure.KV_GROUPS) && c.groups()[l] > 1 ? c.group()[l] : Long.MAX_VALUE);
            cheapest = Math.min(cheapest, structures.contains(MaskStructure.LAYERS) ? c.layer()[l] : Long.MAX_VALUE);
        }
        if (removed < cheapest) {
            throw new IllegalArgumentException(what + " removes less than the cheapest unit (" + cheapest + " parameters)");
        }
        long removable = removable(c, structures, floor);
        if (removed > removable) {
            throw new IllegalArgumentException(what + " removes more than those structures can: at most " + String.format(Locale.ROOT, "%,d", removable)
                    + " parameters (one layer, one KV group per kept layer and " + minKeep + " of each kept layer's FFN stay)");
        }
        long maskable = c.total() - c.outside();
        double r = (double) removed / maskable;
        double eps = Math.min(MaskPolicy.EPS, 0.1 * Math.min(r, 1 - r));
        double[] lt = null;
        double[][] ft = null, gt = null;
        if (structures.contains(MaskStructure.LAYERS)) {
            lt = new double[n];
            Arrays.fill(lt, 1 - r);
        }
        if (structures.contains(MaskStructure.FFN)) {
            ft = start(c.widths(), ffnOrders, r);
        }
        if (structures.contains(MaskStructure.KV_GROUPS)) {
            gt = start(c.groups(), groupOrders, r);
        }
        return new StructuredMaskPolicy(c, removed, floor, eps, lt, ft, gt);
    }

    /** Every unit at the kept fraction, or from the orders' joint ranking over all layers. */
    private static double[][] start(int[] units, List<RemovalOrder> orders, double removedFraction) {
        double[][] t = new double[units.length][];
        for (int l = 0; l < units.length; l++) {
            t[l] = new double[units[l]];
            Arrays.fill(t[l], 1 - removedFraction);
        }
        if (orders != null) {
            if (orders.size() != units.length) {
                throw new IllegalArgumentException(orders.size() + " removal orders for " + units.length + " layers");
            }
            for (int l = 0; l < units.length; l++) {
                if (orders.get(l).units() != units[l]) {
                    throw new IllegalArgumentException("layer " + l + ": order of " + orders.get(l).units() + " units for " + units[l]);
                }
            }
            int[] all = new int[units.length];
            Arrays.setAll(all, l -> l);
            MaskPolicy.rankedStart(orders, all, removedFraction, t);
        }
        return t;
    }

    /** The most the floors let these structures remove. */
    private static long removable(StructureCosts c, Set<MaskStructure> s, int[] floor) {
        long keptAtFloor = Long.MAX_VALUE, sum = 0;
        for (int l = 0; l < c.layers(); l++) {
            long g = s.contains(MaskStructure.KV_GROUPS) ? 1 : c.groups()[l];
            long content = c.base(l) + floor[l] * c.neuron()[l] + g * c.group()[l];
            keptAtFloor = Math.min(keptAtFloor, content);
            sum += content;
        }
        long minKept = c.outside() + (s.contains(MaskStructure.LAYERS) ? keptAtFloor : sum);
        return c.total() - minKept;
    }

    public StructureCosts costs() {
        return costs;
    }

    /** Parameters the budget removes. */
    public long removedTarget() {
        return removedTarget;
    }

    /** Expected kept parameters under θ. */
    public double expectedKept() {
        return costs.kept(layers, ffn, groups);
    }

    public double[] layerTheta() {
        return layers == null ? null : layers.clone();
    }

    public double[][] ffnTheta() {
        return copy(ffn);
    }

    public double[][] groupTheta() {
        return copy(groups);
    }

    /** One mask, every unit kept with its probability independently. */
    public UnitMask sample(SplittableRandom random) {
        boolean[] lm = null;
        if (layers != null) {
            lm = new boolean[layers.length];
            for (int l = 0; l < lm.length; l++) {
                lm[l] = random.nextDouble() < layers[l];
            }
        }
        return new UnitMask(lm, sample(ffn, random), sample(groups, random));
    }

    private static boolean[][] sample(double[][] t, SplittableRandom random) {
        if (t == null) {
            return null;
        }
        boolean[][] m = new boolean[t.length][];
        for (int l = 0; l < t.length; l++) {
            m[l] = new boolean[t[l].length];
            for (int i = 0; i < m[l].length; i++) {
                m[l][i] = random.nextDouble() < t[l][i];
            }
        }
        return m;
    }

    /**
     * θ ← shift(θ − lr · ĝ / sd) as {@link MaskPolicy#step}: ĝ the REINFORCE estimate over every held unit, sd the
     * losses' standard deviation; nothing moves when all losses are equal.
     *
     * @return sd
     */
    public double step(List<UnitMask> masks, double[] losses, double lr) {
        double mean = Arrays.stream(losses).average().orElse(0);
        double sd = Math.sqrt(Arrays.stream(losses).map(v -> (v - mean) * (v - mean)).sum() / losses.length);
        if (!(sd > 0)) {
            return 0;
        }
        boolean[][] flat = new boolean[masks.size()][];
        for (int k = 0; k < flat.length; k++) {
            flat[k] = masks.get(k).flat();
        }
        double[] g = PolicyGradient.estimate(flatTheta(), flat, losses);
        int i = 0;
        if (layers != null) {
            for (int l = 0; l < layers.length; l++, i++) {
                layers[l] -= lr * g[i] / sd;
            }
        }
        for (double[][] part : new double[][][] {ffn, groups}) {
            if (part != null) {
                for (double[] row : part) {
                    for (int j = 0; j < row.length; j++, i++) {
                        row[j] -= lr * g[i] / sd;
                    }
                }
            }
        }
        project();
        return sd;
    }

    /** θ in {@link UnitMask#flat}'s order. */
    private double[] flatTheta() {
        List<Double> out = new ArrayList<>();
        if (layers != null) {
            for (double v : layers) {
                out.add(v);
            }
        }
        for (double[][] part : new double[][][] {ffn, groups}) {
            if (part != null) {
                for (double[] row : part) {
                    for (double v : row) {
                        out.add(v);
                    }
                }
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Expected FFN widths, KV groups and layer keep probabilities, for progress lines and plan.json. */
    public String expected() {
        List<String> parts = new ArrayList<>();
        if (ffn != null) {
            parts.add("expected FFN widths " + rounded(sums(ffn), 0));
        }
        if (groups != null) {
            parts.add("expected KV groups " + rounded(sums(groups), 2));
        }
        if (layers != null) {
            parts.add("layer keep probabilities " + rounded(layers, 3));
        }
        return String.join(", ", parts);
    }

    private static double[] sums(double[][] t) {
        return Arrays.stream(t).mapToDouble(r -> Arrays.stream(r).sum()).toArray();
    }

    private static String rounded(double[] v, int digits) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ", ").append(digits == 0 ? Long.toString(Math.round(v[i])) : String.format(Locale.ROOT, "%." + digits + "f", v[i]));
        }
        return b.append(']').toString();
    }

    private record Candidate(double theta, int kind, int layer, int unit) {
    }

    private static final int NEURON = 1, GROUP = 2;

    /**
     * The final mask (see the class comment): for k = 0, 1, … the k layers of lowest θ dropped (while they fit the
     * budget), then neurons and KV groups of the kept layers removed by ascending θ within what is left of it; of these
     * candidates the one that comes closest to the budget (to within the cheapest held unit counts as meeting it) and,
     * among those, the most likely under θ. Layers cost so much more than the units inside them that one order over
     * all units by θ alone would let a few groups or neurons fill the budget before a layer the search has all but
     * dropped could go.
     */
    public UnitMask mostLikely() {
        int n = costs.layers();
        List<Candidate> inner = new ArrayList<>();
        addAll(inner, ffn, NEURON);
        addAll(inner, groups, GROUP);
        inner.sort(Comparator.comparingDouble(Candidate::theta).thenComparingInt(Candidate::kind).thenComparingInt(Candidate::layer)
                .thenComparingInt(Candidate::unit));
        Integer[] layerOrder = new Integer[n];
        Arrays.setAll(layerOrder, l -> l);
        if (layers != null) {
            Arrays.sort(layerOrder, Comparator.<Integer>comparingDouble(l -> layers[l]).thenComparingInt(l -> l));
        }
        long cheapest = cheapestInner();
        UnitMask best = null;
        long bestShort = Long.MAX_VALUE;
        double bestLikelihood = Double.NEGATIVE_INFINITY;
        long droppedParameters = 0;
        for (int k = 0; k <= (layers == null ? 0 : n - 1); k++) {
            if (k > 0) {
                droppedParameters += costs.layer()[layerOrder[k - 1]];
                if (droppedParameters > removedTarget) {
                    break;
                }
            }
            boolean[] lm = layers == null ? null : filled(n);
            for (int i = 0; i < k; i++) {
                lm[layerOrder[i]] = false;
            }
            UnitMask m = fill(lm, removedTarget - droppedParameters, inner);
            long gap = removedTarget - (costs.total() - costs.kept(m));
            long shortBy = gap < cheapest ? 0 : gap;
            double likelihood = logLikelihood(m);
            if (shortBy < bestShort || shortBy == bestShort && likelihood > bestLikelihood) {
                best = m;
                bestShort = shortBy;
                bestLikelihood = likelihood;
            }
        }
        return best;
    }

    /** Neurons and groups of the kept layers removed by ascending θ while they fit {@code left} and the floors. */
    private UnitMask fill(boolean[] lm, long left, List<Candidate> inner) {
        boolean[][] fm = ffn == null ? null : filled(costs.widths());
        boolean[][] gm = groups == null ? null : filled(costs.groups());
        int[] ffnLeft = costs.widths().clone(), groupsLeft = costs.groups().clone();
        for (Candidate c : inner) {
            int l = c.layer();
            if (lm != null && !lm[l]) {
                continue;
            }
            if (c.kind() == NEURON) {
                if (ffnLeft[l] > ffnFloor[l] && costs.neuron()[l] <= left) {
                    fm[l][c.unit()] = false;
                    ffnLeft[l]--;
                    left -= costs.neuron()[l];
                }
            } else if (groupsLeft[l] > 1 && costs.group()[l] <= left) {
                gm[l][c.unit()] = false;
                groupsLeft[l]--;
                left -= costs.group()[l];
            }
        }
        return new UnitMask(lm, fm, gm);
    }

    /** The cheapest neuron or KV group the policy holds, or the cheapest layer when it holds neither. */
    private long cheapestInner() {
        long c = Long.MAX_VALUE;
        for (int l = 0; l < costs.layers(); l++) {
            if (ffn != null) {
                c = Math.min(c, costs.neuron()[l]);
            }
            if (groups != null && costs.groups()[l] > 1) {
                c = Math.min(c, costs.group()[l]);
            }
            if (ffn == null && groups == null) {
                c = Math.min(c, costs.layer()[l]);
            }
        }
        return c;
    }

    private static double logLikelihood(double[] t, boolean[] m, boolean layerKept) {
        double s = 0;
        for (int i = 0; i < t.length; i++) {
            s += Math.log(!layerKept ? Math.max(t[i], 1 - t[i]) : m[i] ? t[i] : 1 - t[i]);
        }
        return s;
    }

    /** log p(m | θ); a dropped layer's neurons and groups count at their likelier state, since the mask does not decide them. */
    private double logLikelihood(UnitMask m) {
        double s = 0;
        for (int l = 0; l < costs.layers(); l++) {
            boolean kept = m.keepsLayer(l);
            if (layers != null) {
                s += Math.log(kept ? layers[l] : 1 - layers[l]);
            }
            if (ffn != null) {
                s += logLikelihood(ffn[l], m.ffn()[l], kept);
            }
            if (groups != null) {
                s += logLikelihood(groups[l], m.groups()[l], kept);
            }
        }
        return s;
    }

    private static void addAll(List<Candidate> cands, double[][] t, int kind) {
        if (t == null) {
            return;
        }
        for (int l = 0; l < t.length; l++) {
            for (int i = 0; i < t[l].length; i++) {
                cands.add(new Candidate(t[l][i], kind, l, i));
            }
        }
    }

    /**
     * Per layer, the units a mask removes, then those it keeps, each part by ascending θ: removing the first
     * {@code removed} of a layer's order removes exactly that mask's units.
     *
     * @param keep the mask's part for one structure (FFN neurons or KV groups)
     * @param theta θ of the same structure
     */
    public static List<RemovalOrder> removalOrders(boolean[][] keep, double[][] theta) {
        List<RemovalOrder> out = new ArrayList<>();
        for (int l = 0; l < keep.length; l++) {
            double[] t = theta[l];
            boolean[] k = keep[l];
            Integer[] idx = new Integer[t.length];
            Arrays.setAll(idx, i -> i);
            Arrays.sort(idx, Comparator.<Integer>comparingInt(i -> k[i] ? 1 : 0).thenComparingDouble(i -> t[i]).thenComparingInt(i -> i));
            int[] order = new int[t.length];
            double[] cost = new double[t.length], info = new double[t.length];
            for (int p = 0; p < order.length; p++) {
                order[p] = idx[p];
                cost[p] = t[idx[p]];
                info[p] = Double.NaN;
            }
            out.add(new RemovalOrder(order, cost, info));
        }
        return out;
    }

    /** Units a mask part removes per layer. */
    public static int[] removedCounts(boolean[][] keep) {
        int[] r = new int[keep.length];
        for (int l = 0; l < keep.length; l++) {
            for (boolean b : keep[l]) {
                r[l] += b ? 0 : 1;
            }
        }
        return r;
    }

    /** The one shift τ for all units that puts the expected kept parameters on the budget (see the class comment). */
    private void project() {
        double target = costs.total() - removedTarget;
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double[] row : rows()) {
            for (double v : row) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        double[] l0 = layers == null ? null : layers.clone();
        double[][] f0 = copy(ffn), g0 = copy(groups);
        // the expectation falls as τ grows, from every θ at 1 − ε (τ = lo − 1) to every θ at ε (τ = hi + 1)
        double a = lo - 1, b = hi + 1;
        for (int it = 0; it < 100; it++) {
            double tau = 0.5 * (a + b);
            if (costs.kept(shifted(l0, tau), shifted(f0, tau), shifted(g0, tau)) > target) {
                a = tau;
            } else {
                b = tau;
            }
        }
        double tau = 0.5 * (a + b);
        if (layers != null) {
            System.arraycopy(shifted(l0, tau), 0, layers, 0, layers.length);
        }
        for (double[][][] pair : new double[][][][] {{ffn, f0}, {groups, g0}}) {
            if (pair[0] != null) {
                double[][] s = shifted(pair[1], tau);
                for (int l = 0; l < s.length; l++) {
                    System.arraycopy(s[l], 0, pair[0][l], 0, s[l].length);
                }
            }
        }
    }

    private List<double[]> rows() {
        List<double[]> r = new ArrayList<>();
        if (layers != null) {
            r.add(layers);
        }
        for (double[][] part : new double[][][] {ffn, groups}) {
            if (part != null) {
                r.addAll(Arrays.asList(part));
            }
        }
        return r;
    }

    private double[] shifted(double[] x, double tau) {
        if (x == null) {
            return null;
        }
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.max(eps, Math.min(1 - eps, x[i] - tau));
        }
        return y;
    }

    private double[][] shifted(double[][] x, double tau) {
        if (x == null) {
            return null;
        }
        double[][] y = new double[x.length][];
        for (int l = 0; l < x.length; l++) {
            y[l] = shifted(x[l], tau);
        }
        return y;
    }

    private static double[][] copy(double[][] x) {
        if (x == null) {
            return null;
        }
        double[][] c = new double[x.length][];
        for (int l = 0; l < x.length; l++) {
            c[l] = x[l].clone();
        }
        return c;
    }

    private static boolean[] filled(int n) {
        boolean[] b = new boolean[n];
        Arrays.fill(b, true);
        return b;
    }

    private static boolean[][] filled(int[] sizes) {
        boolean[][] b = new boolean[sizes.length][];
        for (int l = 0; l < sizes.length; l++) {
            b[l] = filled(sizes[l]);
        }
        return b;
    }
}
