package dev.secateur.prune.mi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.types.DataType;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.prune.model.WithDjlManager;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The O(d·t) elimination against the O(d²)-per-step Schur update it replaces for scalar units. */
class ScalarSetEliminationTest extends WithDjlManager {

    /** d correlated columns: mixtures of fewer latent factors plus noise, so removals change each other's costs. */
    static Tensor correlated(int n, int d, long seed) {
        Random r = new Random(seed);
        int k = d / 3;
        double[][] mix = new double[d][k];
        for (double[] row : mix) {
            for (int j = 0; j < k; j++) {
                row[j] = r.nextGaussian();
            }
        }
        float[] z = new float[n * d];
        for (int i = 0; i < n; i++) {
            double[] f = new double[k];
            for (int j = 0; j < k; j++) {
                f[j] = r.nextGaussian();
            }
            for (int c = 0; c < d; c++) {
                double v = 0.3 * r.nextGaussian();
                for (int j = 0; j < k; j++) {
                    v += mix[c][j] * f[j];
                }
                z[i * d + c] = (float) v;
            }
        }
        return new Tensor(new int[] {n, d}, z);
    }

    @Test
    void removesInTheSameOrderWithTheSameCostsAsTheExactSchurGreedy() {
        for (long seed = 1; seed <= 3; seed++) {
            int d = 30;
            Tensor z = correlated(500, d, seed);
            Random r = new Random(seed + 100);
            double[] energy = new double[d];
            double[][] gram = new double[d][1];
            for (int j = 0; j < d; j++) {
                energy[j] = 0.1 + r.nextDouble();
                gram[j][0] = energy[j];
            }
            int[] order = new int[d];
            double[] cost = new double[d], info = new double[d];
            try (GaussianSetInformation g = new GaussianSetInformation(manager, z, 1, 1e-2)) {
                for (int step = 0; step < d; step++) {
                    double[] lost = g.lostEnergy(gram);
                    int best = 0;
                    for (int j = 1; j < d; j++) {
                        if (lost[j] < lost[best]) {
                            best = j;
                        }
                    }
                    order[step] = best;
                    cost[step] = lost[best];
                    info[step] = g.information(best);
                    if (step < d - 1) {
                        g.remove(best);
                    }
                }
            }
            ScalarSetElimination.Result fast = ScalarSetElimination.run(manager, z, energy, 1e-2, d, DataType.FLOAT64);
            assertArrayEquals(order, fast.order(), "seed " + seed);
            for (int i = 0; i < d; i++) {
                assertEquals(cost[i], fast.cost()[i], 1e-9 * Math.abs(cost[i]), "cost at step " + i);
                assertEquals(info[i], fast.information()[i], 1e-6, "information at step " + i);
            }
            ScalarSetElimination.Result folded = ScalarSetElimination.run(manager, z, energy, null, 1e-2, d, DataType.FLOAT64, 4);
            assertArrayEquals(order, folded.order(), "folding the terms into P every 4 steps changes no choice, seed " + seed);
            for (int i = 0; i < d; i++) {
                assertEquals(cost[i], folded.cost()[i], 1e-9 * Math.abs(cost[i]), "folded cost at step " + i);
            }
            ScalarSetElimination.Result part = ScalarSetElimination.run(manager, z, energy, 1e-2, 10, DataType.FLOAT64);
            assertArrayEquals(java.util.Arrays.copyOf(order, 10), part.order(), "a prefix of the steps is a prefix of the order");
            ScalarSetElimination.Result single = ScalarSetElimination.run(manager, z, energy, 1e-2, 10, DataType.FLOAT32);
            assertArrayEquals(java.util.Arrays.copyOf(order, 10), single.order(), "float32 keeps the order on a well-conditioned layer");
        }
    }

    /** E(K) = tr(W C̃ Wᵀ) − tr(W C̃_:K C̃_KK⁻¹ C̃_K: Wᵀ): the least-squares refit error when only the units K stay. */
    static double refitError(double[][] c, double[][] w, java.util.List<Integer> kept) {
        int d = c.length, k = kept.size();
        double total = 0;
        for (double[] row : w) {
            // b = C̃_K: wᵀ, solve C̃_KK x = b, error = w C̃ wᵀ − bᵀx
            double full = 0;
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    full += row[a] * c[a][b] * row[b];
                }
            }
            double[][] m = new double[k][k + 1];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    m[i][j] = c[kept.get(i)][kept.get(j)];
                }
                for (int a = 0; a < d; a++) {
                    m[i][k] += c[kept.get(i)][a] * row[a];
                }
            }
            for (int p = 0; p < k; p++) { // Gauss–Jordan; C̃_KK is positive definite, so no pivoting is needed
                for (int i = 0; i < k; i++) {
                    if (i != p) {
                        double f = m[i][p] / m[p][p];
                        for (int j = p; j <= k; j++) {
                            m[i][j] -= f * m[p][j];
                        }
                    }
                }
            }
            double explained = 0;
            for (int i = 0; i < k; i++) {
                double bi = 0;
                for (int a = 0; a < d; a++) {
                    bi += c[kept.get(i)][a] * row[a];
                }
                explained += bi * m[i][k] / m[i][i];
            }
            total += full - explained;
        }
        return total;
    }

    @Test
    void compensatedGreedyRemovesWhatRaisesTheRefitErrorLeast() {
        int n = 400, d = 12, h = 3, steps = 8;
        double ridge = 1e-3;
        Tensor z = correlated(n, d, 21);
        Random r = new Random(22);
        float[] wf = new float[h * d];
        double[][] w = new double[h][d];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < d; j++) {
                wf[i * d + j] = (float) r.nextGaussian();
                w[i][j] = wf[i * d + j];
            }
        }
        // C̃ = centred covariance + λI, λ = ridge · mean diag, as the elimination builds it
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                mean[j] += z.data()[i * d + j] / (double) n;
            }
        }
        double[][] c = new double[d][d];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    c[a][b] += (z.data()[i * d + a] - mean[a]) * (z.data()[i * d + b] - mean[b]) / n;
                }
            }
        }
        double lambda = 0;
        for (int a = 0; a < d; a++) {
            lambda += ridge * c[a][a] / d;
        }
        for (int a = 0; a < d; a++) {
            c[a][a] += lambda;
        }
        java.util.List<Integer> kept = new java.util.ArrayList<>();
        for (int j = 0; j < d; j++) {
            kept.add(j);
        }
        ScalarSetElimination.Result fast = ScalarSetElimination.runCompensated(manager, z, new Tensor(new int[] {h, d}, wf), ridge, steps,
                DataType.FLOAT64);
        double[] energy = new double[d];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < d; j++) {
                energy[j] += w[i][j] * w[i][j];
            }
        }
        ScalarSetElimination.Result folded = ScalarSetElimination.run(manager, z, energy, new Tensor(new int[] {h, d}, wf), ridge, steps,
                DataType.FLOAT64, 3);
        assertArrayEquals(fast.order(), folded.order(), "folding the Gram terms every 3 steps changes no choice");
        for (int i = 0; i < steps; i++) {
            assertEquals(fast.cost()[i], folded.cost()[i], 1e-9 * Math.abs(fast.cost()[i]) + 1e-15, "folded cost at step " + i);
        }
        double before = refitError(c, w, kept);
        for (int step = 0; step < steps; step++) {
            int best = -1;
            double bestRise = Double.POSITIVE_INFINITY;
            for (int j : kept) {
                java.util.List<Integer> without = new java.util.ArrayList<>(kept);
                without.remove(Integer.valueOf(j));
                double rise = refitError(c, w, without) - before;
                if (rise < bestRise) {
                    bestRise = rise;
                    best = j;
                }
            }
            assertEquals(best, fast.order()[step], "step " + step);
            assertEquals(bestRise, fast.cost()[step], 1e-6 * Math.max(1e-9, bestRise), "step " + step);
            kept.remove(Integer.valueOf(best));
            before += bestRise;
        }
    }

    /**
     * Above MiSetSelector.FLOAT64_UP_TO the greedy runs in float32: on a correlated layer of that size the compensated
     * greedy in float32 removes (nearly) the same units as in float64 and reaches the same total cost.
     */
    @Test
    void float32AgreesWithFloat64OnAWideLayer() {
        int n = 3000, d = 1100, h = 64, steps = 330;
        Tensor z = correlated(n, d, 7);
        Random r = new Random(8);
        float[] w = new float[h * d];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        Tensor weight = new Tensor(new int[] {h, d}, w);
        ScalarSetElimination.Result f64 = ScalarSetElimination.runCompensated(manager, z, weight, 1e-2, steps, DataType.FLOAT64);
        ScalarSetElimination.Result f32 = ScalarSetElimination.runCompensated(manager, z, weight, 1e-2, steps, DataType.FLOAT32);
        java.util.Set<Integer> a = new java.util.HashSet<>(), b = new java.util.HashSet<>();
        double costA = 0, costB = 0;
        for (int i = 0; i < steps; i++) {
            a.add(f64.order()[i]);
            b.add(f32.order()[i]);
            costA += f64.cost()[i];
            costB += f32.cost()[i];
        }
        a.retainAll(b);
        org.junit.jupiter.api.Assertions.assertTrue(a.size() >= 0.98 * steps, "shared removed units: " + a.size() + " of " + steps);
        assertEquals(costA, costB, 1e-3 * costA, "total cost of the removals");
    }
}
