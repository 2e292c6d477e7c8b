package dev.secateur.prune.criterion;

import ai.djl.ndarray.NDManager;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;
import dev.secateur.prune.mi.GaussianSetInformation;
import dev.secateur.prune.mi.ScalarSetElimination;

/**
 * "mi" (default): greedy removal by the MI between a unit and the whole kept set, weighted by its output
 * energy. Each step removes the unit whose contribution the remaining units can best take over:
 * lowest ||W_out[:, j]||² · Var(z_j | kept) (= ||W_:j||² / [C⁻¹]_jj; for a KV group tr(W_gᵀW_g (P_gg)⁻¹)),
 * which is exactly the output error a least-squares refit of the output projection cannot recover.
 *
 * <p>For FFN neurons the costs read the output columns as the earlier removals left them after their least-squares
 * share was folded into the remaining neurons (structured OBS, {@link ScalarSetElimination#runCompensated}), so each
 * step is the greedy step of the refit error itself. On the byte-level benchmark model that beat charging the
 * original columns at 20–50 % of FFN neurons with lsq as well as without (docs/benchmarks/kjv-byte-ffn-pruning.md).
 *
 * @param maxFraction stop the exact greedy after this fraction of units (the rest is appended in the order
 *     of the last step's costs): a plan never removes more than its ratio, so exact steps beyond it are wasted
 */
public record MiSetSelector(NDManager manager, double ridge, double maxFraction) implements Selector {
    public static final double DEFAULT_RIDGE = 1e-2;

    @Override
    public String name() {
        return "mi";
    }

    @Override
    public RemovalOrder order(LayerActivations acts, LayerWeights w, Structure s) {
        UnitView v = UnitView.of(acts, w, s);
        Tensor z = v.requireActivations(name());
        int units = v.units();
        int exact = (int) Math.min(units, Math.ceil(maxFraction * units) + 1);
        int[] order = new int[units];
        double[] cost = new double[units];
        double[] info = new double[units];
        if (v.blockSize() == 1) {
            ScalarSetElimination.Result r = ScalarSetElimination.runCompensated(manager, z, v.output(), ridge, exact, precision(units));
            System.arraycopy(r.order(), 0, order, 0, exact);
            System.arraycopy(r.cost(), 0, cost, 0, exact);
            System.arraycopy(r.information(), 0, info, 0, exact);
            appendRest(order, cost, info, exact, r.remainingCost());
            return new RemovalOrder(order, cost, info);
        }
        double[][] gram = v.outputGram(manager);
        try (GaussianSetInformation g = new GaussianSetInformation(manager, z, v.blockSize(), ridge)) {
            double[] lost = null;
            for (int step = 0; step < exact; step++) {
                lost = g.lostEnergy(gram);
                int best = argmin(lost);
                order[step] = best;
                cost[step] = lost[best];
                info[step] = g.information(best);
                if (step < units - 1) {
                    g.remove(best);
                }
            }
            if (exact < units) {
                appendRest(order, cost, info, exact, g.lostEnergy(gram));
            }
        }
        return new RemovalOrder(order, cost, info);
    }

    /** Units past the exact steps follow in the order of the last step's costs (removed ones sort last at +∞). */
    private static void appendRest(int[] order, double[] cost, double[] info, int exact, double[] lost) {
        RemovalOrder rest = RemovalOrder.ascending(lost);
        for (int i = exact; i < order.length; i++) {
            order[i] = rest.order()[i - exact];
            cost[i] = rest.cost()[i - exact];
            info[i] = Double.NaN;
        }
    }

    /**
     * Float64 up to this width, where it costs little; beyond, the covariance, the O(d³) inverse and the folds run in
     * float32: on all-MiniLM-L6-v2 (1536 units) that gave the same plans as float64 in 30 % less scoring time
     * (docs/benchmarks/minilm-encoder-pruning.md).
     */
    static final int FLOAT64_UP_TO = 1024;

    private static ai.djl.ndarray.types.DataType precision(int units) {
        return units <= FLOAT64_UP_TO ? ai.djl.ndarray.types.DataType.FLOAT64 : ai.djl.ndarray.types.DataType.FLOAT32;
    }

    static int argmin(double[] x) {
        int best = -1;
        for (int i = 0; i < x.length; i++) {
            if (best < 0 || x[i] < x[best]) {
                best = i;
            }
        }
        return best;
    }
}
