package dev.secateur.prune.criterion;

import ai.djl.ndarray.NDManager;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;
import dev.secateur.prune.mi.KernelWidthSweep;
import dev.secateur.prune.mi.MiMatrix;
import dev.secateur.prune.mi.RenyiMutualInformation;
import dev.secateur.prune.mi.TokenSubsample;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * "mi-pairwise", the seed's criterion: all-pairs α = 2 Rényi MI of the layer's units on n subsampled tokens;
 * redundancy r_j = max over kept k ≠ j of I(j; k); greedily remove the most redundant unit, ties toward the
 * lower relevance ||W_out[:, j]|| · std(z_j); update; repeat. Without compensation this alone loses to random
 * (DESIGN.md §2): pair it with "lsq".
 *
 * <p>The kernel scale is chosen per layer by {@link KernelWidthSweep} (a fixed grid around the estimator's h) unless
 * the sweep is turned off; every sweep is recorded in {@link #notes()}, which the engine writes into plan.json.
 */
public final class MiPairwiseSelector implements Selector {
    private static final double TIE = 1e-9;

    private final NDManager manager;
    private final RenyiMutualInformation estimator;
    private final int tokens;
    private final long seed;
    private final boolean sweep;
    private final Map<String, String> notes = new LinkedHashMap<>();

    /** With the kernel-width sweep centred on the estimator's h. */
    public MiPairwiseSelector(NDManager manager, RenyiMutualInformation estimator, int tokens, long seed) {
        this(manager, estimator, tokens, seed, true);
    }

    /** @param sweep false: use the estimator's h as it is */
    public MiPairwiseSelector(NDManager manager, RenyiMutualInformation estimator, int tokens, long seed, boolean sweep) {
        this.manager = manager;
        this.estimator = estimator;
        this.tokens = tokens;
        this.seed = seed;
        this.sweep = sweep;
    }

    @Override
    public String name() {
        return "mi-pairwise";
    }

    @Override
    public RemovalOrder order(LayerActivations acts, LayerWeights w, Structure s) {
        UnitView v = UnitView.of(acts, w, s);
        Tensor z = TokenSubsample.rows(v.requireActivations(name()), tokens, seed * 7919L + acts.layer());
        RenyiMutualInformation est = estimator;
        if (sweep) {
            KernelWidthSweep.Result r = KernelWidthSweep.run(manager, z.data(), z.dim(0), v.units(), v.blockSize(), estimator.h(),
                    seed * 31L + acts.layer());
            notes.put("kernelSweep." + (s == Structure.FFN_NEURONS ? "ffn" : "heads") + ".layer" + acts.layer(), r.describe());
            est = new RenyiMutualInformation(r.chosen());
        }
        MiMatrix mi = est.pairwiseVectors(manager, z.data(), z.dim(0), v.units(), v.blockSize());
        ColumnStats st = ColumnStats.of(v.requireActivations(name()));
        double[] energy = v.perUnit(v.outputColumnEnergy());
        double[] var = v.perUnit(st.variance());
        double[] relevance = new double[v.units()];
        for (int u = 0; u < relevance.length; u++) {
            relevance[u] = Math.sqrt(energy[u]) * Math.sqrt(var[u]);
        }
        return greedy(mi, relevance);
    }

    /** The kernel sweeps of the layers scored so far, by "kernelSweep.{ffn|heads}.layer{L}". */
    @Override
    public Map<String, String> notes() {
        return Map.copyOf(notes);
    }

    /** The greedy max-redundancy removal over a precomputed MI matrix. */
    public static RemovalOrder greedy(MiMatrix mi, double[] relevance) {
        int d = mi.size();
        boolean[] removed = new boolean[d];
        double[] red = new double[d];
        int[] partner = new int[d];
        for (int j = 0; j < d; j++) {
            rescan(mi, removed, j, red, partner);
        }
        int[] order = new int[d];
        double[] cost = new double[d];
        double[] info = new double[d];
        for (int step = 0; step < d; step++) {
            int best = -1;
            for (int j = 0; j < d; j++) {
                if (removed[j]) {
                    continue;
                }
                if (best < 0 || red[j] > red[best] + TIE
                        || (Math.abs(red[j] - red[best]) <= TIE && relevance[j] < relevance[best])) {
                    best = j;
                }
            }
            order[step] = best;
            info[step] = red[best];
            cost[step] = -red[best];
            removed[best] = true;
            for (int j = 0; j < d; j++) {
                if (!removed[j] && partner[j] == best) {
                    rescan(mi, removed, j, red, partner);
                }
            }
        }
        return new RemovalOrder(order, cost, info);
    }

    private static void rescan(MiMatrix mi, boolean[] removed, int j, double[] red, int[] partner) {
        double r = Double.NEGATIVE_INFINITY;
        int p = -1;
        for (int k = 0; k < mi.size(); k++) {
            if (k != j && !removed[k] && mi.get(j, k) > r) {
                r = mi.get(j, k);
                p = k;
            }
        }
        red[j] = p < 0 ? 0 : r;
        partner[j] = p;
    }
}
