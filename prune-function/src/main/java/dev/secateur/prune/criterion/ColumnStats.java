package dev.secateur.prune.criterion;

import dev.secateur.checkpoint.Tensor;

/** Per-column mean, variance (1/n) and L2 norm of an activation matrix [n, d]. */
public record ColumnStats(double[] mean, double[] variance, double[] l2) {

    public static ColumnStats of(Tensor z) {
        int n = z.dim(0), d = z.dim(1);
        double[] s = new double[d], sq = new double[d];
        float[] x = z.data();
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < d; c++) {
                double v = x[i * d + c];
                s[c] += v;
                sq[c] += v * v;
            }
        }
        double[] mean = new double[d], var = new double[d], l2 = new double[d];
        for (int c = 0; c < d; c++) {
            mean[c] = s[c] / n;
            var[c] = Math.max(0, sq[c] / n - mean[c] * mean[c]);
            l2[c] = Math.sqrt(sq[c]);
        }
        return new ColumnStats(mean, var, l2);
    }
}
