package dev.secateur.prune.mi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.prune.model.WithDjlManager;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KernelWidthSweepTest extends WithDjlManager {

    /** 6 independent units and 6 noisy nonlinear copies of them: pairs of very different dependence. */
    static float[] layer(int n, long seed) {
        int d = 12;
        Random r = new Random(seed);
        float[] z = new float[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 6; j++) {
                double x = r.nextGaussian();
                z[i * d + j] = (float) x;
                z[i * d + 6 + j] = (float) (Math.tanh(x) + 0.3 * r.nextGaussian());
            }
        }
        return z;
    }

    @Test
    void sameInputsGiveTheSameSweepAndChoice() {
        float[] z = layer(128, 3);
        KernelWidthSweep.Result a = KernelWidthSweep.run(manager, z, 128, 12, 1, 1.0, 7);
        KernelWidthSweep.Result b = KernelWidthSweep.run(manager, z.clone(), 128, 12, 1, 1.0, 7);
        assertEquals(a, b);
        assertTrue(a.points().size() >= KernelWidthSweep.FACTORS.length, a.describe());
        // with at most PROBE_UNITS units the probe is the whole layer, so the seed cannot change anything
        assertEquals(a, KernelWidthSweep.run(manager, z, 128, 12, 1, 1.0, 99));
    }

    @Test
    void choosesTheWidthThatSeparatesPairsBestAndNotADegenerateOne() {
        float[] z = layer(128, 4);
        KernelWidthSweep.Result r = KernelWidthSweep.run(manager, z, 128, 12, 1, 1.0, 0);
        double best = r.points().stream().mapToDouble(KernelWidthSweep.Point::spread).max().orElseThrow();
        KernelWidthSweep.Point chosen = r.points().stream().filter(p -> p.h() == r.chosen()).findFirst().orElseThrow();
        assertEquals(best, chosen.spread(), 0, r.describe());
        assertTrue(chosen.spread() > 0.05, r.describe());
        // a grid of absurdly narrow widths: every Gram matrix is (nearly) the identity, every pair about log2(n) bits
        KernelWidthSweep.Result narrow = KernelWidthSweep.run(manager, z, 128, 12, 1, 1e-4, 0);
        for (KernelWidthSweep.Point p : narrow.points()) {
            if (p.h() <= 4e-4) { // the grid itself; the bracketing then widens it
                assertTrue(p.spread() < 0.25 * chosen.spread(), narrow.describe() + " vs " + r.describe());
            }
        }
        assertTrue(r.describe().contains("chosen"), r.describe());
    }

    /**
     * A grid centred 16 times too wide or too narrow ends at one of its edges; the bracketing widens the range until
     * the best width has a worse one on each side, and lands on the width the well-centred sweep picks.
     */
    @Test
    void aGridCentredFarFromTheDataIsExtendedUntilTheBestWidthIsBracketed() {
        float[] z = layer(128, 4);
        KernelWidthSweep.Result centred = KernelWidthSweep.run(manager, z, 128, 12, 1, 1.0, 0);
        assertTrue(centred.bracketed(), centred.describe());
        for (double centre : new double[] {16, 1.0 / 16}) {
            KernelWidthSweep.Result off = KernelWidthSweep.run(manager, z, 128, 12, 1, centre, 0);
            assertTrue(off.points().size() > KernelWidthSweep.FACTORS.length, off.describe());
            assertTrue(off.bracketed(), off.describe());
            assertEquals(centred.chosen(), off.chosen(), 1e-12, off.describe() + " vs " + centred.describe());
            for (int i = 1; i < off.points().size(); i++) {
                assertEquals(2 * off.points().get(i - 1).h(), off.points().get(i).h(), 1e-9, "narrowest first, a factor 2 apart");
            }
        }
        // the extensions are capped: a centre 2^20 too wide (every pair ~0 bits) widens narrower only up to the cap, and
        // says it ended at an end of the range
        KernelWidthSweep.Result far = KernelWidthSweep.run(manager, z, 128, 12, 1, 1 << 20, 0);
        assertEquals(KernelWidthSweep.FACTORS.length + KernelWidthSweep.MAX_EXTENSIONS, far.points().size(), far.describe());
        assertTrue(!far.bracketed() && far.describe().contains("an end of the swept range"), far.describe());
    }

    @Test
    void probeOfAWideLayerIsASeededSubsetOfWholeUnits() {
        int n = 4, units = 100, dim = 2;
        float[] z = new float[n * units * dim];
        for (int i = 0; i < z.length; i++) {
            z[i] = i;
        }
        float[] p = KernelWidthSweep.probe(z, n, units, dim, 5);
        assertEquals(n * KernelWidthSweep.PROBE_UNITS * dim, p.length);
        for (int i = 0; i < n; i++) {
            for (int u = 0; u < KernelWidthSweep.PROBE_UNITS; u++) {
                float first = p[i * KernelWidthSweep.PROBE_UNITS * dim + u * dim];
                int column = (int) first - i * units * dim;
                assertEquals(0, column % dim, "a unit starts at its first column");
                assertEquals(first + 1, p[i * KernelWidthSweep.PROBE_UNITS * dim + u * dim + 1], "both columns of the unit");
            }
        }
        assertEquals(java.util.Arrays.toString(p), java.util.Arrays.toString(KernelWidthSweep.probe(z, n, units, dim, 5)));
    }
}
