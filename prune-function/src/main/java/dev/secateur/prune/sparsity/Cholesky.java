package dev.secateur.prune.sparsity;

/** Dense Cholesky factorisations of symmetric positive definite matrices, row-major n × n, in double precision. */
final class Cholesky {
    private Cholesky() {
    }

    /** Lower-triangular L with A = L Lᵀ; refuses a matrix that is not positive definite. */
    static double[] lower(double[] a, int n) {
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) {
                    s -= l[i * n + k] * l[j * n + k];
                }
                if (i == j) {
                    if (!(s > 0)) {
                        throw new IllegalStateException("matrix is not positive definite at pivot " + i + " (" + s + ")");
                    }
                    l[i * n + i] = Math.sqrt(s);
                } else {
                    l[i * n + j] = s / l[j * n + j];
                }
            }
        }
        return l;
    }

    /**
     * Upper-triangular U with A⁻¹ = Uᵀ U. SparseGPT reads its row i from column i onward: U_ii² is the variance
     * left in weight i once the later weights are free to absorb its removal, and U_i,j>i spreads the error.
     */
    static double[] upperOfInverse(double[] a, int n) {
        double[] l = lower(a, n);
        double[] li = invertLower(l, n);
        // A⁻¹ = L⁻ᵀ L⁻¹, formed from the lower triangle of L⁻¹
        double[] inv = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int k = i; k < n; k++) {
                    s += li[k * n + i] * li[k * n + j];
                }
                inv[i * n + j] = s;
                inv[j * n + i] = s;
            }
        }
        double[] l2 = lower(inv, n);
        double[] u = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                u[j * n + i] = l2[i * n + j];
            }
        }
        return u;
    }

    /** x with A x = b, from A's lower factor L (A = L Lᵀ): forward then back substitution. */
    static double[] solve(double[] l, int n, double[] b) {
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) {
                s -= l[i * n + k] * y[k];
            }
            y[i] = s / l[i * n + i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < n; k++) {
                s -= l[k * n + i] * x[k];
            }
            x[i] = s / l[i * n + i];
        }
        return x;
    }

    private static double[] invertLower(double[] l, int n) {
        double[] inv = new double[n * n];
        for (int j = 0; j < n; j++) {
            inv[j * n + j] = 1 / l[j * n + j];
            for (int i = j + 1; i < n; i++) {
                double s = 0;
                for (int k = j; k < i; k++) {
                    s += l[i * n + k] * inv[k * n + j];
                }
                inv[i * n + j] = -s / l[i * n + i];
            }
        }
        return inv;
    }
}
