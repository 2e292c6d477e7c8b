package dev.secateur.prune.mi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Matrix-based Rényi α-order mutual information (Sanchez Giraldo, Rao, Principe 2015) over Gaussian Gram
 * matrices K_ij = exp(−||z_i − z_j||² / (2σ²)).
 *
 * <p>Fast path, α = 2: with A = K/n (A_ii = 1/n), tr(A²) = Σ A_ij², so
 * I₂(a; b) = log₂(n² · Σ Ka_ij² Kb_ij² / (Σ Ka_ij² · Σ Kb_ij²)); stacking g_k = vec(K_k ∘ K_k) as rows of G,
 * every pair of a layer is one product G·Gᵀ on the DJL device, normalised by the row sums of G (Σ K_ij²; note:
 * not the diagonal of G·Gᵀ, which is Σ K_ij⁴). Reference path, any α: eigenvalues of the
 * normalised Gram matrices, joint by the normalised Hadamard product.
 *
 * <p>Kernel width per variable: σ = h · s · n^(−1/(4+dim)) with s the standard deviation (for vectors, the
 * root of the summed per-dimension variances), i.e. Silverman's rule σ = h·std·n^(−1/5) for scalars.
 */
public final class RenyiMutualInformation {
    public static final double DEFAULT_H = 1.0;

    private final double h;
    private final DataType dtype;
    private final long chunkElements;

    /** @param dtype FLOAT32 (fast, ~1e-6 relative) or FLOAT64 (reference-grade) for the Gram products */
    public RenyiMutualInformation(double h, DataType dtype, long chunkElements) {
        if (!(h > 0)) {
            throw new IllegalArgumentException("kernel scale h must be > 0, got " + h);
        }
        this.h = h;
        this.dtype = dtype;
        this.chunkElements = chunkElements;
    }

    /** float32 products, chunks of at most 2^26 Gram elements (~1.5 GB of device memory at the peak). */
    public RenyiMutualInformation(double h) {
        this(h, DataType.FLOAT32, 1L << 26);
    }

    public double h() {
        return h;
    }

    /** σ for each of {@code units} variables of {@code dim} columns each in z [n, units·dim]. */
    public double[] kernelWidths(float[] z, int n, int units, int dim) {
        int width = units * dim;
        double[] mean = new double[width], sq = new double[width];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < width; c++) {
                double v = z[i * width + c];
                mean[c] += v;
                sq[c] += v * v;
            }
        }
        double factor = h * Math.pow(n, -1.0 / (4 + dim));
        double[] sigma = new double[units];
        for (int u = 0; u < units; u++) {
            double var = 0;
            for (int c = u * dim; c < (u + 1) * dim; c++) {
                double m = mean[c] / n;
                var += Math.max(0, sq[c] / n - m * m);
            }
            // A constant variable has K = 1 everywhere whatever σ is; any positive σ keeps it finite (MI 0).
            sigma[u] = var > 0 ? factor * Math.sqrt(var) : 1.0;
        }
        return sigma;
    }

    /** α = 2 MI between all pairs of scalar columns of z [n, d]: one product G·Gᵀ (chunked for memory). */
    public MiMatrix pairwise(NDManager manager, float[] z, int n, int d) {
        return pairwiseVectors(manager, z, n, d, 1);
    }

    /**
     * α = 2 MI between all pairs of vector-valued units (unit u = columns u·dim..(u+1)·dim of z [n, units·dim]),
     * with squared Euclidean distances in the kernel.
     */
    public MiMatrix pairwiseVectors(NDManager manager, float[] z, int n, int units, int dim) {
        double[] sigma = kernelWidths(z, n, units, dim);
        float[] out = new float[units * units];
        double[] norm = new double[units]; // Σ_ij K_u,ij² = tr(A_u²)·n², the row sums of G
        long nn = (long) n * n;
        // a chunk of c units holds c·n² Gram elements, plus about 3 · c·n² transient ones while it is built
        int chunk = (int) Math.max(1, Math.min(units, chunkElements / nn));
        try (NDManager m = manager.newSubManager()) {
            // [units, n, dim]
            NDArray zt = m.create(z, new Shape(n, units, dim)).toType(dtype, false).transpose(1, 0, 2);
            NDArray invTwoSigma2 = m.create(sigma).toType(dtype, false).square().mul(2).pow(-1).reshape(units, 1, 1);
            Triangle tri = Triangle.of(n, m);
            for (int a0 = 0; a0 < units; a0 += chunk) {
                int a1 = Math.min(units, a0 + chunk);
                try (NDManager ma = m.newSubManager()) {
                    NDArray full = squaredGram(zt, invTwoSigma2, a0, a1, n, ma);
                    NDArray rowSums = full.sum(new int[] {1});
                    rowSums.attach(ma);
                    double[] rs = rowSums.toType(DataType.FLOAT64, false).toDoubleArray();
                    System.arraycopy(rs, 0, norm, a0, rs.length);
                    Part ga = tri.of(full, ma);
                    full.close();
                    for (int b0 = a0; b0 < units; b0 += chunk) {
                        int b1 = Math.min(units, b0 + chunk);
                        try (NDManager mb = ma.newSubManager()) {
                            Part gb = b0 == a0 ? ga : tri.of(squaredGram(zt, invTwoSigma2, b0, b1, n, mb), mb);
                            NDArray prod = ga.inner(gb);
                            prod.attach(mb);
                            double[] p = prod.toType(DataType.FLOAT64, false).toDoubleArray();
                            int wb = b1 - b0;
                            for (int i = 0; i < a1 - a0; i++) {
                                for (int j = 0; j < wb; j++) {
                                    out[(a0 + i) * units + b0 + j] = (float) p[i * wb + j];
                                    out[(b0 + j) * units + a0 + i] = (float) p[i * wb + j];
                                }
                            }
                        }
                    }
                }
            }
        }
        double logN2 = 2 * Math.log(n) / Math.log(2);
        float[] bits = new float[units * units];
        for (int a = 0; a < units; a++) {
            for (int b = 0; b < units; b++) {
                double v = logN2 + log2(out[a * units + b]) - log2(norm[a]) - log2(norm[b]);
                bits[a * units + b] = (float) v;
            }
        }
        return new MiMatrix(units, bits);
    }

    /**
     * ⟨vec A, vec B⟩ of two symmetric n×n matrices from their triangles: Σ_i A_ii B_ii + 2 Σ_{i<j} A_ij B_ij, so the
     * all-pairs product (its largest cost) runs over n(n+1)/2 features instead of n². The factor 2 is applied to the
     * product, not folded into the features as √2: with integer weights a constant kernel still sums exactly.
     */
    private record Triangle(NDArray diagonal, NDArray upper) {
        static Triangle of(int n, NDManager m) {
            long[] d = new long[n];
            long[] u = new long[n * (n - 1) / 2];
            int k = 0;
            for (int i = 0; i < n; i++) {
                d[i] = (long) i * n + i;
                for (int j = i + 1; j < n; j++) {
                    u[k++] = (long) i * n + j;
                }
            }
            return new Triangle(m.create(d), m.create(u));
        }

        /** The two parts of rows vec(S) [c, n²] of symmetric matrices, owned by {@code m}. */
        Part of(NDArray rows, NDManager m) {
            NDArray d = rows.get(new NDIndex(":, {}", diagonal));
            d.attach(m);
            NDArray u = rows.get(new NDIndex(":, {}", upper));
            u.attach(m);
            return new Part(d, u);
        }
    }

    private record Part(NDArray diagonal, NDArray upper) {
        /** ⟨row a of this, row b of that⟩ for every pair: [this rows, that rows]. */
        NDArray inner(Part that) {
            return diagonal.matMul(that.diagonal.transpose()).addi(upper.matMul(that.upper.transpose()).muli(2));
        }
    }

    /** Rows vec(K_u ∘ K_u) for units [a0, a1): exp(−||z_i − z_j||² / σ²), as [a1−a0, n²]. */
    private static NDArray squaredGram(NDArray zt, NDArray invTwoSigma2, int a0, int a1, int n, NDManager m) {
        // DJL frees intermediates only with their manager: build in a scratch manager, keep only the result
        try (NDManager tmp = m.newSubManager()) {
            NDArray part = zt.get(new NDIndex(a0 + ":" + a1));
            part.attach(tmp);
            NDArray d2 = part.batchMatMul(part.transpose(0, 2, 1)).muli(-2); // [c, n, n]
            NDArray sq = part.square().sum(new int[] {2}); // [c, n]
            d2 = d2.addi(sq.expandDims(2)).addi(sq.expandDims(1)).maximum(0);
            // K² = exp(−2·d²/(2σ²))
            NDArray s = invTwoSigma2.get(new NDIndex(a0 + ":" + a1));
            s.attach(tmp);
            NDArray g = d2.muli(s).muli(-2).exp().reshape(a1 - a0, (long) n * n);
            g.attach(m);
            return g;
        }
    }

    /** Gaussian Gram matrix K of one variable with the given width (row-major n×n, double). */
    public static double[] gram(float[] z, int n, int dim, double sigma) {
        double[] k = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double d2 = 0;
                for (int c = 0; c < dim; c++) {
                    double d = z[i * dim + c] - z[j * dim + c];
                    d2 += d * d;
                }
                k[i * n + j] = Math.exp(-d2 / (2 * sigma * sigma));
            }
        }
        return k;
    }

    /** S_α(A) with A = K / tr K, from the eigenvalues (α = 1: the Shannon limit). */
    public static double entropy(double[] k, int n, double alpha) {
        double tr = 0;
        for (int i = 0; i < n; i++) {
            tr += k[i * n + i];
        }
        double[] a = new double[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = k[i] / tr;
        }
        double[] ev = SymmetricEigen.eigenvalues(a, n);
        if (Math.abs(alpha - 1) < 1e-12) {
            double s = 0;
            for (double l : ev) {
                if (l > 0) {
                    s -= l * log2(l);
                }
            }
            return s;
        }
        double sum = 0;
        for (double l : ev) {
            sum += Math.pow(Math.max(l, 0), alpha);
        }
        return log2(sum) / (1 - alpha);
    }

    /**
     * I_α(a; b) = S_α(A) + S_α(B) − S_α(A∘B / tr(A∘B)) by eigendecomposition: the reference path for small n.
     * a is [n, dimA], b is [n, dimB]; widths by the same rule as the fast path.
     */
    public double mutualInformation(float[] a, int dimA, float[] b, int dimB, int n, double alpha) {
        double[] ka = gram(a, n, dimA, kernelWidths(a, n, 1, dimA)[0]);
        double[] kb = gram(b, n, dimB, kernelWidths(b, n, 1, dimB)[0]);
        double[] kab = new double[n * n];
        for (int i = 0; i < kab.length; i++) {
            kab[i] = ka[i] * kb[i];
        }
        return entropy(ka, n, alpha) + entropy(kb, n, alpha) - entropy(kab, n, alpha);
    }

    static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
