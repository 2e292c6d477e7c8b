package dev.secateur.prune.plan;

import dev.secateur.events.Allocation;
import dev.secateur.prune.criterion.RemovalOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Independent Bernoulli keep probabilities θ over every FFN neuron of the model, learnt by projected policy-gradient
 * descent on the expected loss of the masked model. After every step θ is projected (Euclidean) onto the budget: in each
 * budget group ({@link MaskBudget#groups}) θ_i ← clip(θ_i − τ, ε, 1 − ε) with τ found by bisection so that Σ θ_i, the
 * expected kept neurons (and so the expected kept parameters), is exactly the budget. ε keeps the score function
 * (m − θ) / (θ(1 − θ)) finite and every neuron explored: 0.01, or a tenth of the group's removed (or kept) fraction when
 * that is smaller, so that the budget stays reachable inside [ε, 1 − ε]. The final mask is the most likely one under the budget: the
 * highest θ, with the per-layer floor under GLOBAL allocation.
 */
public final class MaskPolicy {
    /** θ stays in [ε, 1 − ε], ε at most this. */
    static final double EPS = 0.01;
    /**
     * θ_i = σ(β (u_i − q)) at the start from a metric, u_i the neuron's keep quantile in the metric's ranking and q the
     * removed fraction: neurons at the metric's cut start at 1/2, those 10 % of the ranking away at σ(±1) ≈ 0.27 / 0.73.
     */
    static final double INIT_SHARPNESS = 10;

    private final MaskBudget budget;
    private final double[][] theta;

    private MaskPolicy(MaskBudget budget, double[][] theta) {
        this.budget = budget;
        this.theta = theta;
        project();
    }

    /** Every θ at its group's kept fraction: nothing known about any neuron. */
    public static MaskPolicy uniform(MaskBudget b) {
        double[][] t = new double[b.layers()][];
        for (int[] group : b.groups()) {
            double q = keptFraction(b, group);
            for (int l : group) {
                t[l] = new double[b.widths()[l]];
                Arrays.fill(t[l], q);
            }
        }
        return new MaskPolicy(b, t);
    }

    /**
     * θ from a criterion's per-layer removal orders: under GLOBAL every layer's costs are z-scored and made non-decreasing
     * along its order and all neurons ranked together (as {@link UnitAllocator} allocates globally), under UNIFORM each
     * layer ranks its own; so the most likely mask at the start is the criterion's own plan.
     *
     * @param rawCosts rank the layers' costs as they are (mi's refit errors), not z-scored per layer
     */
    public static MaskPolicy fromOrders(MaskBudget b, List<RemovalOrder> orders, boolean rawCosts) {
        if (orders.size() != b.layers()) {
            throw new IllegalArgumentException(orders.size() + " removal orders for " + b.layers() + " layers");
        }
        double[][] t = new double[b.layers()][];
        for (int l = 0; l < b.layers(); l++) {
            if (orders.get(l).units() != b.widths()[l]) {
                throw new IllegalArgumentException("layer " + l + ": order of " + orders.get(l).units() + " units for width " + b.widths()[l]);
            }
            t[l] = new double[b.widths()[l]];
        }
        for (int[] group : b.groups()) {
            rankedStart(orders, group, 1 - keptFraction(b, group), t, rawCosts);
        }
        return new MaskPolicy(b, t);
    }

    /**
     * θ = σ(β (u − q)) for the units of these layers, u a unit's keep quantile in their joint ranking: with more than one
     * layer every layer's costs are z-scored and made non-decreasing along its order first (as {@link UnitAllocator}
     * allocates globally), with one layer its own order ranks. Writes into {@code t[l]} for every l of {@code layers}.
     *
     * @param q the removed fraction: units at the cut start at 1/2
     */
    static void rankedStart(List<RemovalOrder> orders, int[] layers, double q, double[][] t) {
        rankedStart(orders, layers, q, t, false);
    }

    static void rankedStart(List<RemovalOrder> orders, int[] layers, double q, double[][] t, boolean rawCosts) {
        List<double[]> entries = new ArrayList<>(); // {cost, position, layer, unit}
        for (int l : layers) {
            RemovalOrder o = orders.get(l);
            double[] z = rawCosts ? o.cost() : UnitAllocator.zscore(o.cost());
            double run = Double.NEGATIVE_INFINITY;
            for (int p = 0; p < o.units(); p++) {
                run = Math.max(run, z[p]);
                entries.add(new double[] {layers.length == 1 ? p : run, p, l, o.order()[p]});
            }
        }
        entries.sort(Comparator.<double[]>comparingDouble(e -> e[0]).thenComparingDouble(e -> e[1]).thenComparingDouble(e -> e[2]));
        int n = entries.size();
        for (int r = 0; r < n; r++) {
            double[] e = entries.get(r);
            double u = n == 1 ? 1 : (double) r / (n - 1);
            t[(int) e[2]][(int) e[3]] = 1 / (1 + Math.exp(-INIT_SHARPNESS * (u - q)));
        }
    }

    private static double keptFraction(MaskBudget b, int[] group) {
        int units = 0;
        for (int l : group) {
            units += b.widths()[l];
        }
        return (double) groupKept(b, group) / units;
    }

    private static int groupKept(MaskBudget b, int[] group) {
        return b.allocation() == Allocation.UNIFORM ? b.kept()[group[0]] : b.kept()[0];
    }

    public MaskBudget budget() {
        return budget;
    }

    /** A copy of θ, per layer. */
    public double[][] theta() {
        double[][] c = new double[theta.length][];
        for (int l = 0; l < theta.length; l++) {
            c[l] = theta[l].clone();
        }
        return c;
    }

    /** One mask, every neuron kept with probability θ_i independently. */
    public boolean[][] sample(SplittableRandom random) {
        boolean[][] m = new boolean[theta.length][];
        for (int l = 0; l < theta.length; l++) {
            m[l] = new boolean[theta[l].length];
            for (int i = 0; i < m[l].length; i++) {
                m[l][i] = random.nextDouble() < theta[l][i];
            }
        }
        return m;
    }

    /**
     * One descent step: θ ← project(θ − lr · ĝ / sd), ĝ the {@link PolicyGradient} estimate from these masks and losses and
     * sd the standard deviation of the losses. Dividing by sd (a positive number per step) keeps the estimate's direction
     * and makes lr independent of the loss scale. Nothing moves when all losses are equal.
     *
     * @return sd
     */
    public double step(List<boolean[][]> masks, double[] losses, double lr) {
        double mean = Arrays.stream(losses).average().orElse(0);
        double sd = Math.sqrt(Arrays.stream(losses).map(l -> (l - mean) * (l - mean)).sum() / losses.length);
        if (!(sd > 0)) {
            return 0;
        }
        boolean[][] flat = new boolean[masks.size()][];
        for (int k = 0; k < flat.length; k++) {
            flat[k] = flatten(masks.get(k));
        }
        double[] t = flatten(theta);
        double[] g = PolicyGradient.estimate(t, flat, losses);
        int i = 0;
        for (double[] layer : theta) {
            for (int j = 0; j < layer.length; j++, i++) {
                layer[j] -= lr * g[i] / sd;
            }
        }
        project();
        return sd;
    }

    /** Σ θ per layer: the expected kept FFN width. */
    public double[] expectedWidths() {
        return Arrays.stream(theta).mapToDouble(l -> Arrays.stream(l).sum()).toArray();
    }

    /** The final mask: the highest θ under the budget (GLOBAL: each layer's floor first, then the highest θ of the rest). */
    public boolean[][] mostLikely() {
        boolean[][] keep = new boolean[theta.length][];
        for (int l = 0; l < theta.length; l++) {
            keep[l] = new boolean[theta[l].length];
        }
        if (budget.allocation() == Allocation.UNIFORM) {
            for (int l = 0; l < theta.length; l++) {
                Integer[] d = descending(l);
                for (int p = 0; p < budget.kept()[l]; p++) {
                    keep[l][d[p]] = true;
                }
            }
            return keep;
        }
        List<int[]> rest = new ArrayList<>(); // {layer, unit}
        int left = budget.kept()[0];
        for (int l = 0; l < theta.length; l++) {
            Integer[] d = descending(l);
            for (int p = 0; p < d.length; p++) {
                if (p < budget.floors()[l]) {
                    keep[l][d[p]] = true;
                    left--;
                } else {
                    rest.add(new int[] {l, d[p]});
                }
            }
        }
        rest.sort(Comparator.<int[]>comparingDouble(e -> -theta[e[0]][e[1]]).thenComparingInt(e -> e[0]).thenComparingInt(e -> e[1]));
        for (int r = 0; r < left; r++) {
            keep[rest.get(r)[0]][rest.get(r)[1]] = true;
        }
        return keep;
    }

    /**
     * Per layer, the units {@link #mostLikely} removes, then those it keeps, each part by ascending θ (the cost is θ):
     * removing the first {@link #removedCounts} of a layer removes exactly that mask's units, ties at a clip bound included.
     */
    public List<RemovalOrder> removalOrders() {
        return StructuredMaskPolicy.removalOrders(mostLikely(), theta);
    }

    /** Units {@link #mostLikely} removes from each layer. */
    public int[] removedCounts() {
        return StructuredMaskPolicy.removedCounts(mostLikely());
    }

    private Integer[] descending(int l) {
        Integer[] idx = new Integer[theta[l].length];
        Arrays.setAll(idx, i -> i);
        Arrays.sort(idx, Comparator.<Integer>comparingDouble(i -> -theta[l][i]).thenComparingInt(i -> i));
        return idx;
    }

    private static int countTrue(boolean[] b) {
        int n = 0;
        for (boolean v : b) {
            n += v ? 1 : 0;
        }
        return n;
    }

    /** Euclidean projection of each group onto {Σ θ = kept, EPS ≤ θ ≤ 1 − EPS}. */
    private void project() {
        for (int[] group : budget.groups()) {
            double target = groupKept(budget, group);
            double q = keptFraction(budget, group);
            double eps = Math.min(EPS, 0.1 * Math.min(q, 1 - q));
            double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
            for (int l : group) {
                for (double v : theta[l]) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
            // Σ clip(θ − τ) falls from its maximum at τ = lo − 1 to its minimum at τ = hi + 1
            double a = lo - 1, b = hi + 1;
            for (int it = 0; it < 100; it++) {
                double tau = 0.5 * (a + b);
                if (clippedSum(group, tau, eps) > target) {
                    a = tau;
                } else {
                    b = tau;
                }
            }
            double tau = 0.5 * (a + b);
            for (int l : group) {
                for (int i = 0; i < theta[l].length; i++) {
                    theta[l][i] = clip(theta[l][i] - tau, eps);
                }
            }
        }
    }

    private double clippedSum(int[] group, double tau, double eps) {
        double s = 0;
        for (int l : group) {
            for (double v : theta[l]) {
                s += clip(v - tau, eps);
            }
        }
        return s;
    }

    private static double clip(double v, double eps) {
        return Math.max(eps, Math.min(1 - eps, v));
    }

    static double[] flatten(double[][] x) {
        return Arrays.stream(x).flatMapToDouble(Arrays::stream).toArray();
    }

    static boolean[] flatten(boolean[][] x) {
        int n = Arrays.stream(x).mapToInt(a -> a.length).sum();
        boolean[] out = new boolean[n];
        int i = 0;
        for (boolean[] a : x) {
            System.arraycopy(a, 0, out, i, a.length);
            i += a.length;
        }
        return out;
    }
}
