package dev.secateur.prune.mi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.secateur.checkpoint.Tensor;

/**
 * The set-MI greedy of {@link GaussianSetInformation} for scalar units (FFN neurons) in O(d·t) per step instead of
 * O(d²): after t removals the inverse covariance over the remaining units is P₀ − Σ uₛuₛᵀ, one rank-one term per
 * removed unit (the Schur complement, accumulated). A step needs only diag(P) to choose and one row of P to
 * update it, so each step reads one row of P₀, subtracts the t earlier terms at the chosen unit, and downdates the
 * diagonal; P itself is never rewritten. The one O(d³) operation left is the inverse P₀ = (C + λI)⁻¹ at the start.
 *
 * <p>Choice at each step: the remaining unit j with the least ‖W_:j‖² / P_jj, the output energy a least-squares
 * refit from the other remaining units cannot recover. Covariance and inverse are computed in {@code precision}
 * (float64, or float32 for speed at LLM widths); the rank-one terms and the diagonal are kept in float64.
 */
public final class ScalarSetElimination {
    /**
     * @param order the first {@code steps} removed units, in order
     * @param cost the lost energy of each removed unit when it was chosen
     * @param information I(z_j; z_rest) in bits of each removed unit when it was chosen (Gaussian)
     * @param remainingCost the lost energy of every unit after the last step (+∞ for removed units)
     */
    public record Result(int[] order, double[] cost, double[] information, double[] remainingCost) {
    }

    private ScalarSetElimination() {
    }

    /**
     * @param z activations [n, d]
     * @param energy ‖W_out[:, j]‖² per unit
     * @param ridge λ = ridge · mean(diag C)
     * @param steps units to remove greedily (at most d)
     */
    public static Result run(NDManager parent, Tensor z, double[] energy, double ridge, int steps, DataType precision) {
        int n = z.dim(0), d = z.dim(1);
        if (energy.length != d || steps < 0 || steps > d) {
            throw new IllegalArgumentException("need one energy per unit (" + d + ") and 0 ≤ steps ≤ d, got " + energy.length + ", " + steps);
        }
        try (NDManager m = parent.newSubManager()) {
            NDArray x = m.create(z.data(), new Shape(n, d)).toType(precision, false);
            NDArray xc = x.sub(x.mean(new int[] {0}, true));
            NDArray c = xc.transpose().matMul(xc).divi(n);
            x.close();
            xc.close();
            double[] covDiag = c.diagonal().toType(DataType.FLOAT64, false).toDoubleArray();
            double mean = 0;
            for (double v : covDiag) {
                mean += v / d;
            }
            double lambda = ridge * mean > 0 ? ridge * mean : ridge; // all-constant activations: any positive ridge keeps C invertible
            for (int i = 0; i < d; i++) {
                covDiag[i] += lambda;
            }
            NDArray p0 = c.addi(m.eye(d, d, 0, precision).muli(lambda)).inverse();
            c.close();
            double[] diag = p0.diagonal().toType(DataType.FLOAT64, false).toDoubleArray();

            int[] order = new int[steps];
            double[] cost = new double[steps], info = new double[steps];
            double[][] terms = new double[steps][];
            boolean[] removed = new boolean[d];
            for (int step = 0; step < steps; step++) {
                int best = -1;
                double bestCost = Double.POSITIVE_INFINITY;
                for (int j = 0; j < d; j++) {
                    if (!removed[j]) {
                        double cj = energy[j] / diag[j];
                        if (best < 0 || cj < bestCost) {
                            best = j;
                            bestCost = cj;
                        }
                    }
                }
                order[step] = best;
                cost[step] = bestCost;
                info[step] = 0.5 * RenyiMutualInformation.log2(covDiag[best] * diag[best]);
                removed[best] = true;
                if (step == d - 1) {
                    break;
                }
                // row `best` of the current P: P₀'s row minus the earlier rank-one terms
                double[] row;
                try (NDManager s = m.newSubManager()) {
                    NDArray r = p0.get(best).toType(DataType.FLOAT64, false);
                    r.attach(s);
                    row = r.toDoubleArray();
                }
                for (int t = 0; t < step; t++) {
                    double a = terms[t][best];
                    if (a != 0) {
                        double[] u = terms[t];
                        for (int i = 0; i < d; i++) {
                            row[i] -= a * u[i];
                        }
                    }
                }
                double pivot = Math.sqrt(Math.max(row[best], Double.MIN_NORMAL));
                for (int i = 0; i < d; i++) {
                    row[i] /= pivot;
                    // P over the remaining set is positive definite: round-off must not push a diagonal to zero or below
                    diag[i] = Math.max(diag[i] - row[i] * row[i], Double.MIN_NORMAL);
                }
                terms[step] = row;
            }
            double[] remaining = new double[d];
            for (int j = 0; j < d; j++) {
                remaining[j] = removed[j] ? Double.POSITIVE_INFINITY : energy[j] / diag[j];
            }
            return new Result(order, cost, info, remaining);
        }
    }
}
