package dev.secateur.prune.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The adaptive schedule's step counts: front-loaded, exact in total, and reproduced by the engine's own rounding. */
class FrontLoadedScheduleTest {

    /** Sum, monotone counts and ratios, and the engine's round(ratio · width) giving back each count (for KV groups of g heads too). */
    static void assertValid(int units, int remove, int steps) {
        int[] c = FrontLoadedSchedule.counts(units, remove, steps);
        String what = units + " units, " + remove + " removed, " + steps + " steps: " + Arrays.toString(c);
        assertEquals(steps, c.length, what);
        assertEquals(remove, Arrays.stream(c).sum(), what);
        if (remove > 0) {
            assertTrue(c[0] > 0, what);
        }
        double[] r = FrontLoadedSchedule.ratios(units, c);
        long width = units;
        for (int s = 0; s < steps; s++) {
            assertTrue(c[s] >= 0 && c[s] < width, what);
            if (s > 0) {
                assertTrue(c[s] <= c[s - 1], "counts rise at step " + s + ": " + what);
                // c[s] / width_s <= c[s-1] / width_{s-1}, compared exactly
                long prevWidth = width + c[s - 1];
                assertTrue((long) c[s] * prevWidth <= (long) c[s - 1] * width, "ratio rises at step " + s + ": " + what);
            }
            assertEquals(c[s], Math.round(r[s] * width), "the engine's rounding of the step ratio: " + what);
            for (int g : new int[] {2, 4, 8}) {
                assertEquals((long) c[s] * g, Math.round(r[s] * width * g), "KV groups of " + g + " heads: " + what);
            }
            width -= c[s];
        }
    }

    @Test
    void everyTotalOfEveryWidthUpTo300IsExactAndFrontLoaded() {
        for (int units = 1; units <= 300; units++) {
            for (int remove = 0; remove < units; remove++) {
                for (int steps = 1; steps <= 6; steps++) {
                    assertValid(units, remove, steps);
                }
            }
        }
    }

    @Test
    void realWidthsAndModelTotalsAtRandomRatios() {
        SplittableRandom rnd = new SplittableRandom(16);
        int[] widths = {768, 1536, 2048, 3072, 4864, 5632, 8192, 11008, 14336, 32 * 14336, 6 * 768, 22 * 5632};
        for (int units : widths) {
            for (int i = 0; i < 400; i++) {
                int remove = (int) Math.round(rnd.nextDouble(0, 0.95) * units);
                assertValid(units, remove, 2 + rnd.nextInt(15));
            }
            assertValid(units, units - 1, 16);
            assertValid(units, 1, 16);
        }
    }

    @Test
    void theIdealTapersAndTheCountsFollowIt() {
        // 25 % of 96 neurons in 3 steps: ideal ratios 1 − 0.75^(3/6), 1 − 0.75^(2/6), 1 − 0.75^(1/6) of the width each step starts from
        int[] c = FrontLoadedSchedule.counts(96, 24, 3);
        assertArrayEquals(new int[] {13, 7, 4}, c);
        double[] r = FrontLoadedSchedule.ratios(96, c);
        assertEquals(1 - Math.pow(0.75, 0.5), r[0], 0.01);
        assertEquals(1 - Math.pow(0.75, 1 / 3.0), r[1], 0.01);
        assertEquals(1 - Math.pow(0.75, 1 / 6.0), r[2], 0.01);
        // keep fractions multiply to exactly the total: (96 − 24) / 96
        assertEquals(72, 96 - Arrays.stream(c).sum());
        // on a wide layer the integer schedule stays within a unit of the ideal cumulative removal
        int units = 11008, remove = (int) Math.round(0.3 * units);
        int[] wide = FrontLoadedSchedule.counts(units, remove, 4);
        int done = 0;
        for (int s = 0; s < 4; s++) {
            done += wide[s];
            assertEquals(FrontLoadedSchedule.idealCumulative(units, remove, 4, s), done, 1.0, Arrays.toString(wide));
        }
    }

    @Test
    void aShortTotalEndsInEmptyStepsRatherThanARisingRatio() {
        assertArrayEquals(new int[] {2, 0, 0}, FrontLoadedSchedule.counts(8, 2, 3));
        assertArrayEquals(new int[] {1, 0, 0, 0}, FrontLoadedSchedule.counts(4, 1, 4));
        assertArrayEquals(new int[] {0, 0, 0}, FrontLoadedSchedule.counts(10, 0, 3));
        assertArrayEquals(new int[] {5}, FrontLoadedSchedule.counts(10, 5, 1), "one step is one-shot");
    }

    @Test
    void impossibleTotalsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> FrontLoadedSchedule.counts(8, 8, 3));
        assertThrows(IllegalArgumentException.class, () -> FrontLoadedSchedule.counts(8, -1, 3));
        assertThrows(IllegalArgumentException.class, () -> FrontLoadedSchedule.counts(8, 2, 0));
    }
}
