package dev.secateur.prune.criterion;

/**
 * One layer's fusion of a coarse-grained and a fine-grained importance of the same units: each is divided by its mean over
 * the layer (so both have mean 1), and the fused score is w·coarse + (1 − w)·fine. The weight w is inverse-noise weighting
 * of the two: an estimate's noise κ is its split-half disagreement relative to its spread over the layer's units,
 * κ = mean_j (a_j − b_j)² / 4 / Var_j(e_j), with e the normalised estimate on all calibration windows and a, b the
 * normalised estimates on each half of them; w = κ_fine / (κ_coarse + κ_fine). The estimate whose ranking moves less
 * with the calibration data, relative to how far apart it sets the units, gets the larger share.
 *
 * @param weight w ∈ [0, 1], the coarse estimate's share
 * @param coarseNoise κ of the coarse estimate (+∞ when it does not tell the units apart at all)
 * @param fineNoise κ of the fine estimate
 * @param agreement Spearman rank correlation of the coarse and fine estimates over the layer's units
 * @param coarseMean mean of the coarse estimate over the layer (its scale before normalising)
 * @param fineMean mean of the fine estimate
 */
public record AdaptiveFusion(double weight, double[] fused, double coarseNoise, double fineNoise, double agreement, double coarseMean,
        double fineMean) {

    /** w when the noise cannot be measured (one calibration batch) or is zero for both estimates. */
    public static final double EVEN = 0.5;

    /** Fuses with w from the split halves; with {@code coarseHalves} or {@code fineHalves} null, w = {@link #EVEN}. */
    public static AdaptiveFusion of(double[] coarse, double[] fine, double[][] coarseHalves, double[][] fineHalves) {
        double kc = Double.NaN, kf = Double.NaN;
        double w = EVEN;
        if (coarseHalves != null && fineHalves != null) {
            kc = relativeNoise(coarse, coarseHalves[0], coarseHalves[1]);
            kf = relativeNoise(fine, fineHalves[0], fineHalves[1]);
            w = weight(kc, kf);
        }
        return new AdaptiveFusion(w, fuse(coarse, fine, w), kc, kf, spearman(coarse, fine), mean(coarse), mean(fine));
    }

    /** w·coarse/mean(coarse) + (1 − w)·fine/mean(fine). */
    public static double[] fuse(double[] coarse, double[] fine, double w) {
        if (!(w >= 0 && w <= 1)) {
            throw new IllegalArgumentException("fusion weight must be in [0, 1], was " + w);
        }
        if (coarse.length != fine.length) {
            throw new IllegalArgumentException("coarse and fine estimates must score the same units: " + coarse.length + " vs " + fine.length);
        }
        double[] c = normalised(coarse), f = normalised(fine), out = new double[c.length];
        for (int j = 0; j < out.length; j++) {
            out[j] = w * c[j] + (1 - w) * f[j];
        }
        return out;
    }

    /** κ_fine / (κ_coarse + κ_fine), with an estimate of infinite noise getting no share and 0/0 splitting evenly. */
    static double weight(double coarseNoise, double fineNoise) {
        boolean ci = Double.isInfinite(coarseNoise), fi = Double.isInfinite(fineNoise);
        if (ci && fi || Double.isNaN(coarseNoise) || Double.isNaN(fineNoise)) {
            return EVEN;
        }
        if (ci) {
            return 0;
        }
        if (fi) {
            return 1;
        }
        double sum = coarseNoise + fineNoise;
        return sum == 0 ? EVEN : Math.min(1, Math.max(0, fineNoise / sum));
    }

    /** Split-half noise of the normalised estimate relative to its variance over the units; +∞ when it has none. */
    static double relativeNoise(double[] all, double[] halfA, double[] halfB) {
        double[] e = normalised(all), a = normalised(halfA), b = normalised(halfB);
        double noise = 0;
        for (int j = 0; j < e.length; j++) {
            noise += (a[j] - b[j]) * (a[j] - b[j]);
        }
        // the estimate on all windows ≈ the mean of the two halves', whose difference has four times its noise variance
        noise /= 4.0 * e.length;
        double m = mean(e), spread = 0;
        for (double v : e) {
            spread += (v - m) * (v - m);
        }
        spread /= e.length;
        return spread > 0 ? noise / spread : Double.POSITIVE_INFINITY;
    }

    static double[] normalised(double[] x) {
        double m = mean(x);
        double[] out = new double[x.length];
        if (m != 0 && Double.isFinite(m)) {
            for (int j = 0; j < x.length; j++) {
                out[j] = x[j] / m;
            }
        }
        return out;
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return x.length == 0 ? 0 : s / x.length;
    }

    /** Spearman's ρ (Pearson correlation of the ranks; ties ranked by index). */
    static double spearman(double[] x, double[] y) {
        double[] rx = ranks(x), ry = ranks(y);
        double mx = mean(rx), my = mean(ry), sxy = 0, sxx = 0, syy = 0;
        for (int j = 0; j < rx.length; j++) {
            sxy += (rx[j] - mx) * (ry[j] - my);
            sxx += (rx[j] - mx) * (rx[j] - mx);
            syy += (ry[j] - my) * (ry[j] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    private static double[] ranks(double[] x) {
        int[] order = RemovalOrder.ascending(x).order();
        double[] r = new double[x.length];
        for (int i = 0; i < order.length; i++) {
            r[order[i]] = i;
        }
        return r;
    }
}
