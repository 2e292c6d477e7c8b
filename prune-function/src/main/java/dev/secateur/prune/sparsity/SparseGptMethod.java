package dev.secateur.prune.sparsity;

import dev.secateur.model.SparsityPattern;

import dev.secateur.checkpoint.Tensor;

/**
 * SparseGPT (arXiv 2301.00774): Optimal Brain Surgeon on the layer-wise objective ‖WXᵀ − ŴXᵀ‖², whose Hessian is
 * H = XᵀX (+ λI, λ = dampening × mean diag H, so that H is invertible). Inputs are visited left to right; removing
 * weight W_ri leaves error e = W_ri / U_ii, which the weights of the inputs not yet visited absorb through row i of U,
 * the upper Cholesky factor of H⁻¹ (H⁻¹ = UᵀU). This is exact OBS for every row at once because each row shares H
 * and the visiting order fixes which inputs are still free.
 *
 * <p>Inputs go in blocks of {@code blockSize}: updates inside a block are applied at once, updates to later blocks
 * are accumulated and applied when the block ends ("lazy batch updates"). The mask is chosen per block, from the
 * block's weights as updated so far: unstructured zeroes the block's lowest W²/U_jj² over all rows together (so rows
 * may differ in sparsity, the matrix as a whole meets the target); N:M zeroes, in each row, the M − N lowest of
 * every group, chosen when the group is reached.
 */
public final class SparseGptMethod implements WeightSparsityMethod {
    public static final double DEFAULT_DAMPENING = 0.01;
    public static final int DEFAULT_BLOCK = 128;

    private final double dampening;
    private final int blockSize;

    public SparseGptMethod(double dampening, int blockSize) {
        if (!(dampening > 0) || blockSize < 1) {
            throw new IllegalArgumentException("dampening must be > 0 and blockSize >= 1, were " + dampening + ", " + blockSize);
        }
        this.dampening = dampening;
        this.blockSize = blockSize;
    }

    public SparseGptMethod() {
        this(DEFAULT_DAMPENING, DEFAULT_BLOCK);
    }

    @Override
    public String name() {
        return "sparsegpt";
    }

    @Override
    public Tensor sparsify(Tensor weight, InputGram gram, SparsityTarget target) {
        int rows = weight.dim(0), n = weight.dim(1);
        double[] w = new double[rows * n];
        for (int i = 0; i < w.length; i++) {
            w[i] = weight.data()[i];
        }
        double[] h = gram.h().clone();
        // an input no calibration token reached carries no signal to preserve: its weights go, and H_jj = 1 keeps H invertible
        for (int j = 0; j < n; j++) {
            if (h[j * n + j] == 0) {
                h[j * n + j] = 1;
                for (int r = 0; r < rows; r++) {
                    w[r * n + j] = 0;
                }
            }
        }
        double mean = 0;
        for (int j = 0; j < n; j++) {
            mean += h[j * n + j];
        }
        double lambda = dampening * mean / n;
        for (int j = 0; j < n; j++) {
            h[j * n + j] += lambda;
        }
        double[] u = Cholesky.upperOfInverse(h, n);

        SparsityPattern p = target.pattern();
        // N:M groups must not straddle two blocks
        int block = p.unstructured() ? blockSize : Math.max(p.group(), blockSize / p.group() * p.group());
        boolean[] zero = new boolean[rows * n];
        double[] scores = new double[rows * n];
        for (int b0 = 0; b0 < n; b0 += block) {
            int b1 = Math.min(n, b0 + block), width = b1 - b0;
            if (p.unstructured()) {
                scoreColumns(w, u, rows, n, b0, b1, scores);
                Masks.lowestInBlock(scores, rows, n, b0, b1, target.zerosAmong(rows * width), zero);
            }
            double[] err = new double[rows * width];
            for (int i = b0; i < b1; i++) {
                if (!p.unstructured() && (i - b0) % p.group() == 0) {
                    scoreColumns(w, u, rows, n, i, i + p.group(), scores);
                    for (int r = 0; r < rows; r++) {
                        Masks.lowestInGroup(scores, n, r, i, p, zero);
                    }
                }
                double d = u[i * n + i];
                for (int r = 0; r < rows; r++) {
                    if (!zero[r * n + i]) {
                        continue;
                    }
                    double e = w[r * n + i] / d;
                    err[r * width + (i - b0)] = e;
                    w[r * n + i] = 0;
                    for (int j = i + 1; j < b1; j++) {
                        w[r * n + j] -= e * u[i * n + j];
                    }
                }
            }
            // the block's accumulated errors reach the later inputs in one pass
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < width; i++) {
                    double e = err[r * width + i];
                    if (e == 0) {
                        continue;
                    }
                    int ui = (b0 + i) * n;
                    for (int j = b1; j < n; j++) {
                        w[r * n + j] -= e * u[ui + j];
                    }
                }
            }
        }
        float[] out = new float[w.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = zero[i] ? 0f : (float) w[i];
        }
        return new Tensor(weight.shape().clone(), out);
    }

    /** OBS saliency W²/U_jj² of the current weights in columns [from, to). */
    private static void scoreColumns(double[] w, double[] u, int rows, int n, int from, int to, double[] scores) {
        for (int r = 0; r < rows; r++) {
            for (int j = from; j < to; j++) {
                double d = u[j * n + j];
                scores[r * n + j] = w[r * n + j] * w[r * n + j] / (d * d);
            }
        }
    }
}
