package dev.secateur.prune.mi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.prune.linalg.SymmetricGram;

/**
 * The set-MI greedy of {@link GaussianSetInformation} for scalar units (FFN neurons) without rewriting the d×d inverse
 * at every step: after t removals the inverse covariance over the remaining units is P₀ − Σ uₛuₛᵀ, one rank-one term
 * per removed unit (the Schur complement, accumulated). A step needs only diag(P) to choose and one row of P to update
 * it, so it reads one row of P, subtracts the terms not yet folded into P, and downdates the diagonal. Every
 * {@link #FOLD_EVERY} steps the pending terms are folded into P by one matrix product (P −= UᵀU): the per-step work
 * stays O(d·B) instead of growing with t, and the O(d²·t) total runs as a few large products rather than as t
 * memory-bound passes over the earlier terms (all 5632 units of a TinyLlama-width layer: 35 s → 16 s with the
 * compensated costs, docs/benchmarks/scale.md). What remains is the covariance (n·d², {@link SymmetricGram}) and the inverse (d³).
 *
 * <p>Choice at each step: the remaining unit j with the least ‖W_:j‖² / P_jj, the output energy a least-squares
 * refit from the other remaining units cannot recover. Covariance, inverse and the folded P are in {@code precision}
 * (float64, or float32 for speed at LLM widths); the pending terms and the diagonal are kept in float64.
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

    /** Steps between two folds of the pending rank-one terms into P (see the class comment). */
    static final int FOLD_EVERY = 128;

    private ScalarSetElimination() {
    }

    /**
     * Γ −= HᵀA + AᵀH for the pending rank-two terms of the compensated costs (rows of H and A), in place: each
     * removal changed the output Gram matrix Γ = WᵀW by −(g aᵀ + a gᵀ − e a aᵀ) = −(h aᵀ + a hᵀ), h = g − ½ e a.
     */
    private static void foldGramInto(NDManager m, NDArray gram, double[][] g, double[][] a, double[] e, int count, DataType precision) {
        int d = g[0].length;
        // HᵀA + AᵀH = [H; A]ᵀ[A; H]: one product with inner size 2B, and no pass over a transposed d×d
        double[] left = new double[2 * count * d], right = new double[2 * count * d];
        int half = count * d;
        for (int t = 0; t < count; t++) {
            for (int i = 0; i < d; i++) {
                double h = g[t][i] - 0.5 * e[t] * a[t][i];
                left[t * d + i] = h;
                left[half + t * d + i] = a[t][i];
                right[t * d + i] = a[t][i];
                right[half + t * d + i] = h;
            }
        }
        try (NDManager s = m.newSubManager()) {
            NDArray l = s.create(left, new Shape(2 * count, d)).toType(precision, false);
            NDArray r = s.create(right, new Shape(2 * count, d)).toType(precision, false);
            gram.subi(l.transpose().matMul(r));
        }
    }

    /** Row r of the current P: the folded P's row minus the pending rank-one terms at r. */
    private static double[] pRow(NDManager m, NDArray p, int r, double[][] pending, int count) {
        double[] row = hostRow(m, p, r);
        for (int t = 0; t < count; t++) {
            double a = pending[t][r];
            if (a != 0) {
                double[] u = pending[t];
                for (int i = 0; i < row.length; i++) {
                    row[i] -= a * u[i];
                }
            }
        }
        return row;
    }

    private static double[] hostRow(NDManager m, NDArray a, int r) {
        try (NDManager s = m.newSubManager()) {
            NDArray v = a.get(r).toType(DataType.FLOAT64, false);
            v.attach(s);
            return v.toDoubleArray();
        }
    }

    /** Row r of the current Γ: the folded Γ's row minus the pending rank-two terms at r. */
    private static double[] gramRow(NDManager m, NDArray gram, int r, double[][] g, double[][] a, double[] e, int count) {
        double[] row = hostRow(m, gram, r);
        for (int t = 0; t < count; t++) {
            double ar = a[t][r], gr = g[t][r], er = e[t] * ar;
            if (ar == 0 && gr == 0) {
                continue;
            }
            double[] gt = g[t], at = a[t];
            for (int j = 0; j < row.length; j++) {
                row[j] -= gt[j] * ar + at[j] * gr - er * at[j];
            }
        }
        return row;
    }

    /** P −= UᵀU for the first {@code count} pending terms (rows of U), in place. */
    private static void foldInto(NDManager m, NDArray p, double[][] pending, int count, DataType precision) {
        int d = pending[0].length;
        double[] flat = new double[count * d];
        for (int t = 0; t < count; t++) {
            System.arraycopy(pending[t], 0, flat, t * d, d);
        }
        try (NDManager s = m.newSubManager()) {
            NDArray u = s.create(flat, new Shape(count, d)).toType(precision, false);
            p.subi(u.transpose().matMul(u));
        }
    }

    /**
     * @param z activations [n, d]
     * @param energy ‖W_out[:, j]‖² per unit
     * @param ridge λ = ridge · mean(diag C)
     * @param steps units to remove greedily (at most d)
     */
    public static Result run(NDManager parent, Tensor z, double[] energy, double ridge, int steps, DataType precision) {
        return run(parent, z, energy, null, ridge, steps, precision);
    }

    /**
     * The greedy with the output weights kept compensated (structured OBS): after unit r goes, every remaining
     * column takes over its least-squares share, W_:i ← W_:i − a_i W_:r with a_i = P_ri / P_rr (P over the set before
     * the removal), and the next costs read ‖W_:j‖² of the updated weights. That is the cost a least-squares refit
     * after all the removals actually pays for each one (the greedy of the refit error itself), where
     * {@link #run(NDManager, Tensor, double[], double, int, DataType)} charges every unit with its original column.
     *
     * <p>The weights are never updated: the costs need only the Gram matrix Γ = WᵀW of the updated columns, and a
     * removal changes it by the rank-two term −(g aᵀ + a gᵀ − e_r a aᵀ), g = Γ_:r, e_r = Γ_rr. Those terms are kept
     * pending and folded into Γ every {@link #FOLD_EVERY} steps like P's, so a step costs O(d·B) and not O(h·d).
     *
     * @param weight the output projection [h, d] (down_proj), read, not modified
     */
    public static Result runCompensated(NDManager parent, Tensor z, Tensor weight, double ridge, int steps, DataType precision) {
        int h = weight.dim(0), d = weight.dim(1);
        double[] energy = new double[d];
        for (int i = 0; i < h; i++) {
            for (int c = 0; c < d; c++) {
                double v = weight.data()[i * d + c];
                energy[c] += v * v;
            }
        }
        return run(parent, z, energy, weight, ridge, steps, precision);
    }

    private static Result run(NDManager parent, Tensor z, double[] energy, Tensor weight, double ridge, int steps, DataType precision) {
        return run(parent, z, energy, weight, ridge, steps, precision, FOLD_EVERY);
    }

    static Result run(NDManager parent, Tensor z, double[] energy, Tensor weight, double ridge, int steps, DataType precision, int foldEvery) {
        int n = z.dim(0), d = z.dim(1);
        energy = energy.clone();
        if (energy.length != d || steps < 0 || steps > d) {
            throw new IllegalArgumentException("need one energy per unit (" + d + ") and 0 ≤ steps ≤ d, got " + energy.length + ", " + steps);
        }
        try (NDManager m = parent.newSubManager()) {
            NDArray x = m.create(z.data(), new Shape(n, d)).toType(precision, false);
            NDArray xc = x.sub(x.mean(new int[] {0}, true));
            NDArray c = SymmetricGram.of(m, xc).divi(n);
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
            NDArray p = c.addi(m.eye(d, d, 0, precision).muli(lambda)).inverse();
            c.close();
            double[] diag = p.diagonal().toType(DataType.FLOAT64, false).toDoubleArray();
            // Γ = WᵀW of the compensated output columns, when the costs follow them (see runCompensated)
            NDArray gram = null;
            double[][] pendingG = null, pendingA = null;
            double[] pendingE = null;
            if (weight != null) {
                try (NDManager s = m.newSubManager()) {
                    gram = SymmetricGram.of(m, s.create(weight.data(), new Shape(weight.dim(0), d)).toType(precision, false));
                }
                pendingG = new double[foldEvery][];
                pendingA = new double[foldEvery][];
                pendingE = new double[foldEvery];
            }

            int[] order = new int[steps];
            double[] cost = new double[steps], info = new double[steps];
            double[][] pending = new double[foldEvery][];
            int pendingCount = 0;
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
                double[] row = pRow(m, p, best, pending, pendingCount);
                double pivot = Math.sqrt(Math.max(row[best], Double.MIN_NORMAL));
                if (gram != null) {
                    double[] a = new double[d];
                    for (int i = 0; i < d; i++) {
                        a[i] = row[i] / row[best];
                    }
                    double[] g = gramRow(m, gram, best, pendingG, pendingA, pendingE, pendingCount);
                    double er = g[best];
                    for (int i = 0; i < d; i++) {
                        energy[i] = Math.max(0, energy[i] - 2 * a[i] * g[i] + a[i] * a[i] * er);
                    }
                    pendingG[pendingCount] = g;
                    pendingA[pendingCount] = a;
                    pendingE[pendingCount] = er;
                }
                for (int i = 0; i < d; i++) {
                    row[i] /= pivot;
                    // P over the remaining set is positive definite: round-off must not push a diagonal to zero or below
                    diag[i] = Math.max(diag[i] - row[i] * row[i], Double.MIN_NORMAL);
                }
                pending[pendingCount++] = row;
                if (pendingCount == foldEvery && step + 1 < steps) {
                    foldInto(m, p, pending, pendingCount, precision);
                    if (gram != null) {
                        foldGramInto(m, gram, pendingG, pendingA, pendingE, pendingCount, precision);
                    }
                    pendingCount = 0;
                }
            }
            double[] remaining = new double[d];
            for (int j = 0; j < d; j++) {
                remaining[j] = removed[j] ? Double.POSITIVE_INFINITY : energy[j] / diag[j];
            }
            return new Result(order, cost, info, remaining);
        }
    }
}
