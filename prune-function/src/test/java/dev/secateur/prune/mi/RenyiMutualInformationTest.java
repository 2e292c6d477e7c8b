package dev.secateur.prune.mi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import dev.secateur.prune.model.WithDjlManager;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RenyiMutualInformationTest extends WithDjlManager {

    static float[] randomMatrix(int n, int d, long seed) {
        Random r = new Random(seed);
        float[] z = new float[n * d];
        for (int i = 0; i < n; i++) {
            float shared = (float) r.nextGaussian();
            for (int c = 0; c < d; c++) {
                // mixtures so that pairs have a range of dependence
                z[i * d + c] = (float) (r.nextGaussian() + c * 0.5 * shared + (c % 2 == 0 ? Math.abs(shared) : 0));
            }
        }
        return z;
    }

    static float[] column(float[] z, int n, int d, int c) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = z[i * d + c];
        }
        return out;
    }

    @Test
    void alphaTwoClosedFormMatchesEigenPath() {
        int n = 40, d = 5;
        float[] z = randomMatrix(n, d, 1);
        RenyiMutualInformation mi = new RenyiMutualInformation(1.0, DataType.FLOAT64, 1L << 24);
        MiMatrix fast = mi.pairwise(manager, z, n, d);
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < d; b++) {
                if (a == b) {
                    continue;
                }
                double ref = mi.mutualInformation(column(z, n, d, a), 1, column(z, n, d, b), 1, n, 2.0);
                assertEquals(ref, fast.get(a, b), 1e-6 * Math.max(1e-3, Math.abs(ref)), "pair " + a + "," + b);
            }
        }
    }

    @Test
    void chunkedProductEqualsSingleProduct() {
        int n = 24, d = 7;
        float[] z = randomMatrix(n, d, 2);
        MiMatrix whole = new RenyiMutualInformation(0.7, DataType.FLOAT64, 1L << 24).pairwise(manager, z, n, d);
        MiMatrix chunked = new RenyiMutualInformation(0.7, DataType.FLOAT64, 4L * n * n * 2).pairwise(manager, z, n, d);
        for (int i = 0; i < d * d; i++) {
            assertEquals(whole.bits()[i], chunked.bits()[i], 1e-6);
        }
    }

    @Test
    void vectorClosedFormMatchesEigenPath() {
        int n = 30, units = 3, dim = 4;
        float[] z = randomMatrix(n, units * dim, 3);
        RenyiMutualInformation mi = new RenyiMutualInformation(1.5, DataType.FLOAT64, 1L << 24);
        MiMatrix fast = mi.pairwiseVectors(manager, z, n, units, dim);
        float[] u0 = new float[n * dim], u2 = new float[n * dim];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < dim; c++) {
                u0[i * dim + c] = z[i * units * dim + c];
                u2[i * dim + c] = z[i * units * dim + 2 * dim + c];
            }
        }
        double ref = mi.mutualInformation(u0, dim, u2, dim, n, 2.0);
        assertEquals(ref, fast.get(0, 2), 1e-6 * Math.abs(ref));
    }

    @Test
    void identicalIsHighIndependentIsNearZero() {
        int n = 200;
        Random r = new Random(4);
        float[] z = new float[n * 3];
        for (int i = 0; i < n; i++) {
            float a = (float) r.nextGaussian();
            z[i * 3] = a;
            z[i * 3 + 1] = a; // identical
            z[i * 3 + 2] = (float) r.nextGaussian(); // independent
        }
        MiMatrix m = new RenyiMutualInformation(1.0).pairwise(manager, z, n, 3);
        double self = m.get(0, 0);
        assertEquals(self, m.get(0, 1), 1e-4, "identical variables share all information");
        assertTrue(m.get(0, 1) > 2.0, "identical: " + m.get(0, 1));
        // a finite-sample plug-in estimate: independent is small (bias ~0.1 bit at n = 200), not exactly 0
        assertTrue(Math.abs(m.get(0, 2)) < 0.1 * m.get(0, 1), "independent: " + m.get(0, 2) + " vs identical " + m.get(0, 1));
        // the general-α path agrees on the ordering for α = 1.5
        RenyiMutualInformation ref = new RenyiMutualInformation(1.0);
        float[] a = column(z, n, 3, 0), b = column(z, n, 3, 1), c = column(z, n, 3, 2);
        int k = 80;
        double same = ref.mutualInformation(java.util.Arrays.copyOf(a, k), 1, java.util.Arrays.copyOf(b, k), 1, k, 1.5);
        double indep = ref.mutualInformation(java.util.Arrays.copyOf(a, k), 1, java.util.Arrays.copyOf(c, k), 1, k, 1.5);
        assertTrue(same > 4 * Math.abs(indep), same + " vs " + indep);
    }

    @Test
    void invariantToTokenOrder() {
        int n = 50, d = 4;
        float[] z = randomMatrix(n, d, 5);
        int[] perm = TokenSubsample.indices(n, n, 0);
        java.util.List<Integer> p = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            p.add(i);
        }
        java.util.Collections.shuffle(p, new Random(9));
        float[] shuffled = new float[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(z, p.get(i) * d, shuffled, i * d, d);
        }
        RenyiMutualInformation mi = new RenyiMutualInformation(1.0, DataType.FLOAT64, 1L << 24);
        MiMatrix a = mi.pairwise(manager, z, n, d), b = mi.pairwise(manager, shuffled, n, d);
        for (int i = 0; i < d * d; i++) {
            assertEquals(a.bits()[i], b.bits()[i], 1e-9 + 1e-6 * Math.abs(a.bits()[i]));
        }
        assertEquals(n, perm.length);
    }
}
