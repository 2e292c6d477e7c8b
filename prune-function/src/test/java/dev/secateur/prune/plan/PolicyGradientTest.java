package dev.secateur.prune.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The REINFORCE estimate against the exact gradient of E[L], every mask of a small unit set enumerated. */
class PolicyGradientTest {
    static final int N = 8;
    static final double[] THETA = {0.2, 0.35, 0.5, 0.65, 0.8, 0.3, 0.9, 0.55};

    /** An arbitrary loss over the 2^N masks: a table of seeded values plus interactions, so no coordinate is trivial. */
    static double[] lossTable() {
        SplittableRandom r = new SplittableRandom(11);
        double[] table = new double[1 << N];
        for (int m = 0; m < table.length; m++) {
            double l = 3 + r.nextDouble();
            for (int i = 0; i < N; i++) {
                if ((m >> i & 1) == 0) {
                    l += 0.3 * (i + 1) / N; // removing a unit costs more the higher its index
                }
            }
            if ((m & 0b11) == 0) {
                l += 0.8; // units 0 and 1 together stand in for each other
            }
            table[m] = l;
        }
        return table;
    }

    static double probability(int mask, double[] theta) {
        double p = 1;
        for (int i = 0; i < theta.length; i++) {
            p *= (mask >> i & 1) == 1 ? theta[i] : 1 - theta[i];
        }
        return p;
    }

    /** ∂E[L]/∂θ_i = Σ_m L(m) ∂p(m)/∂θ_i = E[L | m_i = 1] − E[L | m_i = 0], by enumeration. */
    static double[] exactGradient(double[] table, double[] theta) {
        double[] g = new double[theta.length];
        for (int i = 0; i < theta.length; i++) {
            double on = 0, off = 0;
            for (int m = 0; m < table.length; m++) {
                double p = probability(m, theta);
                if ((m >> i & 1) == 1) {
                    on += table[m] * p / theta[i];
                } else {
                    off += table[m] * p / (1 - theta[i]);
                }
            }
            g[i] = on - off;
        }
        return g;
    }

    static boolean[] draw(SplittableRandom r, double[] theta) {
        boolean[] m = new boolean[theta.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = r.nextDouble() < theta[i];
        }
        return m;
    }

    static int index(boolean[] m) {
        int x = 0;
        for (int i = 0; i < m.length; i++) {
            x |= (m[i] ? 1 : 0) << i;
        }
        return x;
    }

    @Test
    void theEstimateAveragesToTheExactGradientOfTheExpectedLoss() {
        double[] table = lossTable();
        double[] exact = exactGradient(table, THETA);
        int trials = 40_000, k = 4;
        double[] sum = new double[N], sq = new double[N], wrongSum = new double[N];
        SplittableRandom r = new SplittableRandom(3);
        for (int t = 0; t < trials; t++) {
            boolean[][] masks = new boolean[k][];
            double[] losses = new double[k];
            for (int s = 0; s < k; s++) {
                masks[s] = draw(r, THETA);
                losses[s] = table[index(masks[s])];
            }
            double[] g = PolicyGradient.estimate(THETA, masks, losses);
            for (int i = 0; i < N; i++) {
                sum[i] += g[i];
                sq[i] += g[i] * g[i];
                // a plausible mistake: the score without its 1/(θ(1−θ)) factor
                wrongSum[i] += g[i] * THETA[i] * (1 - THETA[i]);
            }
        }
        boolean wrongCaught = false;
        for (int i = 0; i < N; i++) {
            double mean = sum[i] / trials;
            double se = Math.sqrt((sq[i] / trials - mean * mean) / trials);
            assertTrue(se < 0.02, "standard error " + se + " too large for the test to tell anything at unit " + i);
            assertTrue(Math.abs(mean - exact[i]) < 4 * se, String.format("unit %d: estimate %.4f, exact %.4f, se %.4f", i, mean, exact[i], se));
            wrongCaught |= Math.abs(wrongSum[i] / trials - exact[i]) > 8 * se;
        }
        assertTrue(wrongCaught, "the test cannot tell the estimator from one missing the score's 1/(θ(1−θ))");
    }

    @Test
    void aLossCommonToEveryMaskCancelsInTheBaseline() {
        SplittableRandom r = new SplittableRandom(5);
        boolean[][] masks = new boolean[5][];
        double[] losses = new double[5], shifted = new double[5];
        for (int s = 0; s < masks.length; s++) {
            masks[s] = draw(r, THETA);
            losses[s] = r.nextDouble();
            shifted[s] = losses[s] + 1000;
        }
        assertArrayEquals(PolicyGradient.estimate(THETA, masks, losses), PolicyGradient.estimate(THETA, masks, shifted), 1e-9);
    }
}
