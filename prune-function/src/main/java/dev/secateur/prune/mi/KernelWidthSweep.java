package dev.secateur.prune.mi;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Picks the kernel scale h of the Rényi estimator by a fixed sweep, h = centre × {1/4, 1/2, 1, 2, 4}, on a seeded
 * probe of at most {@link #PROBE_UNITS} units of the layer. Both limits make every pair look alike: as h → 0 each
 * Gram matrix tends to the identity and every pair scores log₂ n bits, as h → ∞ it tends to all ones and every pair
 * scores 0. So the sweep keeps the width whose pairwise MI values are most spread out (largest standard deviation
 * of the off-diagonal entries), i.e. the one that best tells redundant pairs from independent ones. Ties keep the
 * earlier (narrower) width. The same inputs give the same choice: the grid, the probe and the estimator are fixed.
 */
public final class KernelWidthSweep {
    public static final double[] FACTORS = {0.25, 0.5, 1, 2, 4};
    public static final int PROBE_UNITS = 64;

    private KernelWidthSweep() {
    }

    /** One width tried: its scale h and the standard deviation (bits) of the probe's pairwise MI. */
    public record Point(double h, double spread) {
    }

    /** The sweep of one layer: every point tried, and the chosen h. */
    public record Result(double chosen, List<Point> points) {
        public String describe() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "h=%.4g chosen; spread (bits) by h:", chosen));
            for (Point p : points) {
                b.append(String.format(Locale.ROOT, " %.4g→%.4f", p.h(), p.spread()));
            }
            return b.toString();
        }
    }

    /**
     * @param z [n, units·dim] activations (already token-subsampled)
     * @param centre the scale the grid is centred on (the request's kernel scale)
     */
    public static Result run(NDManager manager, float[] z, int n, int units, int dim, double centre, long seed) {
        float[] probe = probe(z, n, units, dim, seed);
        int p = Math.min(units, PROBE_UNITS);
        List<Point> points = new ArrayList<>();
        Point best = null;
        for (double f : FACTORS) {
            double h = centre * f;
            MiMatrix mi = new RenyiMutualInformation(h).pairwiseVectors(manager, probe, n, p, dim);
            Point pt = new Point(h, offDiagonalSpread(mi));
            points.add(pt);
            if (best == null || pt.spread() > best.spread()) {
                best = pt;
            }
        }
        return new Result(best.h(), List.copyOf(points));
    }

    /** The columns of a seeded subset of units (all of them when there are at most PROBE_UNITS), in unit order. */
    static float[] probe(float[] z, int n, int units, int dim, long seed) {
        int[] chosen = TokenSubsample.indices(units, PROBE_UNITS, seed);
        int width = units * dim, pw = chosen.length * dim;
        float[] out = new float[n * pw];
        for (int i = 0; i < n; i++) {
            for (int u = 0; u < chosen.length; u++) {
                System.arraycopy(z, i * width + chosen[u] * dim, out, i * pw + u * dim, dim);
            }
        }
        return out;
    }

    static double offDiagonalSpread(MiMatrix mi) {
        int d = mi.size();
        double s = 0, sq = 0;
        long count = 0;
        for (int a = 0; a < d; a++) {
            for (int b = a + 1; b < d; b++) {
                double v = mi.get(a, b);
                s += v;
                sq += v * v;
                count++;
            }
        }
        if (count == 0) {
            return 0;
        }
        double mean = s / count;
        return Math.sqrt(Math.max(0, sq / count - mean * mean));
    }
}
