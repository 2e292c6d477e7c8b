package dev.secateur.prune.criterion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class AdaptiveFusionTest {
    static double[] positive(Random r, int n, double scale) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = scale * Math.exp(r.nextGaussian());
        }
        return x;
    }

    static double[] jitter(Random r, double[] x, double noise) {
        double[] y = x.clone();
        for (int i = 0; i < y.length; i++) {
            y[i] *= Math.exp(noise * r.nextGaussian());
        }
        return y;
    }

    @Test
    void theWeightStaysInTheUnitIntervalForAnyInputs() {
        Random r = new Random(1);
        for (int trial = 0; trial < 2000; trial++) {
            int n = 1 + r.nextInt(40);
            double[] c = positive(r, n, Math.pow(10, r.nextInt(12) - 6)), f = positive(r, n, Math.pow(10, r.nextInt(12) - 6));
            if (trial % 7 == 0) {
                java.util.Arrays.fill(c, 2.0); // no spread at all
            }
            if (trial % 11 == 0) {
                java.util.Arrays.fill(f, 0.0); // an estimate that is zero everywhere
            }
            double nc = r.nextDouble() * 2, nf = r.nextDouble() * 2;
            AdaptiveFusion a = AdaptiveFusion.of(c, f, new double[][] {jitter(r, c, nc), jitter(r, c, nc)},
                    new double[][] {jitter(r, f, nf), jitter(r, f, nf)});
            assertTrue(a.weight() >= 0 && a.weight() <= 1, "trial " + trial + ": w = " + a.weight());
            for (double v : a.fused()) {
                assertTrue(Double.isFinite(v), "trial " + trial);
            }
        }
    }

    @Test
    void atTheExtremesTheFusedRankingIsTheCoarseOrTheFineOne() {
        Random r = new Random(2);
        double[] c = positive(r, 50, 1e-3), f = positive(r, 50, 4.0);
        assertTrue(AdaptiveFusion.spearman(c, f) < 0.5, "independent estimates, so the two rankings really differ");
        assertArrayEquals(RemovalOrder.ascending(c).order(), RemovalOrder.ascending(AdaptiveFusion.fuse(c, f, 1)).order());
        assertArrayEquals(RemovalOrder.ascending(f).order(), RemovalOrder.ascending(AdaptiveFusion.fuse(c, f, 0)).order());
        int[] half = RemovalOrder.ascending(AdaptiveFusion.fuse(c, f, 0.5)).order();
        assertTrue(!java.util.Arrays.equals(half, RemovalOrder.ascending(c).order()) && !java.util.Arrays.equals(half, RemovalOrder.ascending(f).order()));
        assertThrows(IllegalArgumentException.class, () -> AdaptiveFusion.fuse(c, f, 1.5));
    }

    @Test
    void theNoisierEstimateGetsTheSmallerShare() {
        Random r = new Random(3);
        double[] c = positive(r, 64, 1), f = positive(r, 64, 1);
        // coarse barely moves between the halves, fine moves a lot: w → 1, and the other way round → 0
        AdaptiveFusion steadyCoarse = AdaptiveFusion.of(c, f, new double[][] {jitter(r, c, 0.01), jitter(r, c, 0.01)},
                new double[][] {jitter(r, f, 1.0), jitter(r, f, 1.0)});
        AdaptiveFusion steadyFine = AdaptiveFusion.of(c, f, new double[][] {jitter(r, c, 1.0), jitter(r, c, 1.0)},
                new double[][] {jitter(r, f, 0.01), jitter(r, f, 0.01)});
        assertTrue(steadyCoarse.weight() > 0.99, "w = " + steadyCoarse.weight());
        assertTrue(steadyFine.weight() < 0.01, "w = " + steadyFine.weight());
        // equal noise: an even split, up to the sampling of the noise
        AdaptiveFusion even = AdaptiveFusion.of(c, c.clone(), new double[][] {c, c}, new double[][] {c, c});
        assertEquals(AdaptiveFusion.EVEN, even.weight(), 0.0, "no split-half noise in either: 0/0, split evenly");
        assertEquals(AdaptiveFusion.EVEN, AdaptiveFusion.of(c, f, null, null).weight(), 0.0, "one batch: no halves to compare");
        // a constant estimate tells no unit from another: all weight to the other one
        double[] flat = new double[64];
        java.util.Arrays.fill(flat, 3.0);
        assertEquals(0.0, AdaptiveFusion.of(flat, f, new double[][] {flat, flat}, new double[][] {jitter(r, f, 0.5), jitter(r, f, 0.5)}).weight(), 0.0);
    }
}
