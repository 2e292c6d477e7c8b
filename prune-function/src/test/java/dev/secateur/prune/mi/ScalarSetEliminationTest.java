package dev.secateur.prune.mi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.secateur.checkpoint.Tensor;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The O(d·t) elimination against the O(d²)-per-step Schur update it replaces for scalar units. */
class ScalarSetEliminationTest {
    static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

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
            ScalarSetElimination.Result part = ScalarSetElimination.run(manager, z, energy, 1e-2, 10, DataType.FLOAT64);
            assertArrayEquals(java.util.Arrays.copyOf(order, 10), part.order(), "a prefix of the steps is a prefix of the order");
            ScalarSetElimination.Result single = ScalarSetElimination.run(manager, z, energy, 1e-2, 10, DataType.FLOAT32);
            assertArrayEquals(java.util.Arrays.copyOf(order, 10), single.order(), "float32 keeps the order on a well-conditioned layer");
        }
    }
}
