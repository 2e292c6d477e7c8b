package dev.secateur.prune.plan;

/**
 * How many of a structure's units each step of an adaptive schedule removes: aggressive first, tapering, and exactly the
 * requested total in the end.
 *
 * <p>Ideal (real numbers): with U units, K to remove and N steps, step s keeps the fraction
 * q_s = (1 − K/U)^(w_s / T), w_s = N − s + 1, T = N(N + 1)/2. The log keep fraction is split in the decreasing arithmetic
 * shares N/T, (N − 1)/T, ..., 1/T, so Π q_s = 1 − K/U exactly and the step ratios 1 − q_s fall from step to step.
 *
 * <p>Integers: step s aims at the ideal cumulative removal round(U·(1 − Π_{i≤s} q_i)) and is then raised, where needed, to
 * the least count from which the remaining steps can still finish at exactly K with a ratio (units removed over units
 * the step starts from, compared exactly as fractions) no larger than the step before's. So after rounding the counts and
 * the ratios never increase, and the counts sum to K. A short total ends in steps that remove nothing (K = 2 of 8 units
 * in 3 steps is 2, 0, 0: 1, 1, 0 would be ratios 1/8 then 1/7, rising).
 */
public final class FrontLoadedSchedule {
    private FrontLoadedSchedule() {
    }

    /**
     * @param units the structure's units before the first step (one layer's, or the model's under global allocation)
     * @param remove the total to remove, 0 ≤ remove < units
     * @param steps N ≥ 1
     * @return per step, the units it removes
     */
    public static int[] counts(int units, int remove, int steps) {
        if (units < 1 || remove < 0 || remove >= units) {
            throw new IllegalArgumentException("a schedule removes 0 to units − 1 of " + units + " units, not " + remove);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("a schedule has at least one step, not " + steps);
        }
        int[] counts = new int[steps];
        long width = units, removed = 0;
        // the previous step's ratio as the fraction capNum / capDen; the first step is only bounded by what is left
        long capNum = 1, capDen = 1;
        for (int s = 0; s < steps; s++) {
            long left = remove - removed;
            long upper = Math.min(left, capNum * width / capDen);
            long aim = Math.round(idealCumulative(units, remove, steps, s)) - removed;
            long k = Math.max(0, Math.min(aim, upper));
            while (!finishes(k, width, left, steps - s - 1)) {
                // upper always finishes: the previous step checked that taking the most its cap allows gets there
                if (++k > upper) {
                    throw new IllegalStateException("no schedule step " + s + " for " + remove + " of " + units + " units in " + steps);
                }
            }
            counts[s] = (int) k;
            if (k > 0) {
                capNum = k;
                capDen = width;
            } else {
                capNum = 0;
            }
            removed += k;
            width -= k;
        }
        if (removed != remove) {
            throw new IllegalStateException("schedule removed " + removed + " of " + remove + " units");
        }
        return counts;
    }

    /** Per step, the ratio to give the engine: units removed over the units the step starts from (0 for an empty step). */
    public static double[] ratios(int units, int[] counts) {
        double[] r = new double[counts.length];
        int width = units;
        for (int s = 0; s < counts.length; s++) {
            r[s] = (double) counts[s] / width;
            width -= counts[s];
        }
        return r;
    }

    /** The ideal units removed after step s (0-based) of the real-valued schedule. */
    static double idealCumulative(int units, int remove, int steps, int s) {
        double total = steps * (steps + 1) / 2.0;
        double share = 0;
        for (int i = 0; i <= s; i++) {
            share += (steps - i) / total;
        }
        return s == steps - 1 ? remove : units * (1 - Math.pow(1 - (double) remove / units, share));
    }

    /**
     * Whether removing k now (from width, with left still to go) can end at exactly the total in the steps after it,
     * each ratio at most the one before: true when taking the most the cap allows at every later step reaches the total,
     * since any step that would overshoot can stop at exactly what is left instead, at a lower ratio.
     */
    private static boolean finishes(long k, long width, long left, int stepsAfter) {
        if (k == left) {
            return true;
        }
        if (k > left || k == 0) {
            return false; // an empty step caps every later one at 0
        }
        long capNum = k, capDen = width, w = width - k, done = k;
        for (int i = 0; i < stepsAfter && done < left; i++) {
            long next = capNum * w / capDen;
            if (next == 0) {
                break;
            }
            done += next;
            capNum = next;
            capDen = w;
            w -= next;
        }
        return done >= left;
    }
}
