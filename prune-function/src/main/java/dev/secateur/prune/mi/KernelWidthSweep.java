package dev.secateur.prune.mi;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Picks the kernel scale h of the Rényi estimator by a sweep, h = centre × {1/4, 1/2, 1, 2, 4}, on a seeded
 * probe of at most {@link #PROBE_UNITS} units of the layer, widened until the best width is bracketed: while the
 * best is an end of the range and strictly better than its neighbour, one more width (half the narrowest or twice
 * the widest) is tried, at most {@link #MAX_EXTENSIONS} times per side. When no width tells pairs apart at all
 * (every spread 0), the mean MI says which way to go: ~0 bits means every width is too wide, ~log₂ n too narrow.
 * Without that, a centre far from the data's scale would only ever pick an end of the fixed grid. Both limits make every pair look alike: as h → 0 each
 * Gram matrix tends to the identity and every pair scores log₂ n bits, as h → ∞ it tends to all ones and every pair
 * scores 0. So the sweep keeps the width whose pairwise MI values are most spread out (largest standard deviation
 * of the off-diagonal entries), i.e. the one that best tells redundant pairs from independent ones. Ties keep the
 * earlier (narrower) width. The same inputs give the same choice: the grid, the probe and the estimator are fixed.
 */
public final class KernelWidthSweep {
    public static final double[] FACTORS = {0.25, 0.5, 1, 2, 4};
    public static final int PROBE_UNITS = 64;
    public static final int MAX_EXTENSIONS = 6;

    private KernelWidthSweep() {
    }

    /** One width tried: its scale h, the standard deviation and the mean (bits) of the probe's pairwise MI. */
    public record Point(double h, double spread, double mean) {
    }

    /**
     * The sweep of one layer: every point tried, narrowest first, and the chosen h.
     *
     * @param bracketed the chosen h has a narrower and a wider point with a smaller spread
     */
    public record Result(double chosen, List<Point> points, boolean bracketed) {
        public String describe() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "h=%.4g chosen%s; spread (bits) by h:", chosen,
                    bracketed ? "" : " (an end of the swept range)"));
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
        for (double f : FACTORS) {
            points.add(point(manager, probe, n, p, dim, centre * f));
        }
        int narrower = 0, wider = 0;
        double allAlike = 0.5 * RenyiMutualInformation.log2(n); // mean MI between "all pairs ~0" and "all ~log2 n"
        while (true) {
            int best = best(points), last = points.size() - 1;
            // no width tells pairs apart: every pair scores ~0 (all too wide) or ~log2 n bits (all too narrow)
            boolean flat = points.get(best).spread() < 1e-9;
            boolean tooWide = flat && points.get(0).mean() < allAlike;
            if (flat && tooWide && narrower < MAX_EXTENSIONS) {
                points.add(0, point(manager, probe, n, p, dim, points.get(0).h() / 2));
                narrower++;
            } else if (flat && !tooWide && wider < MAX_EXTENSIONS) {
                points.add(point(manager, probe, n, p, dim, points.get(last).h() * 2));
                wider++;
            } else if (!flat && best == 0 && narrower < MAX_EXTENSIONS && points.get(0).spread() > points.get(1).spread()) {
                points.add(0, point(manager, probe, n, p, dim, points.get(0).h() / 2));
                narrower++;
            } else if (!flat && best == last && wider < MAX_EXTENSIONS && points.get(last).spread() > points.get(last - 1).spread()) {
                points.add(point(manager, probe, n, p, dim, points.get(last).h() * 2));
                wider++;
            } else {
                boolean bracketed = best > 0 && best < last && points.get(best - 1).spread() < points.get(best).spread()
                        && points.get(best + 1).spread() < points.get(best).spread();
                return new Result(points.get(best).h(), List.copyOf(points), bracketed);
            }
        }
    }

    private static Point point(NDManager manager, float[] probe, int n, int p, int dim, double h) {
        MiMatrix mi = new RenyiMutualInformation(h).pairwiseVectors(manager, probe, n, p, dim);
        return new Point(h, offDiagonalSpread(mi), offDiagonalMean(mi));
    }

    /** Index of the largest spread; ties keep the narrower width. */
    private static int best(List<Point> points) {
        int best = 0;
        for (int i = 1; i < points.size(); i++) {
            if (points.get(i).spread() > points.get(best).spread()) {
                best = i;
            }
        }
        return best;
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

    static double offDiagonalMean(MiMatrix mi) {
        int d = mi.size();
        double s = 0;
        long count = 0;
        for (int a = 0; a < d; a++) {
            for (int b = a + 1; b < d; b++) {
                s += mi.get(a, b);
                count++;
            }
        }
        return count == 0 ? 0 : s / count;
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
