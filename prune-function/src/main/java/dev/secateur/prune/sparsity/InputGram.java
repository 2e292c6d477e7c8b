package dev.secateur.prune.sparsity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.secateur.checkpoint.Tensor;

/**
 * H = XᵀX of a linear layer's calibration inputs X [tokens, inputs]: everything Wanda and SparseGPT read about the
 * inputs. Wanda's ‖X_j‖₂ is √H_jj; SparseGPT's layer-wise objective ‖WXᵀ − ŴXᵀ‖² equals
 * Σ_rows (w − ŵ) H (w − ŵ)ᵀ, so the tokens themselves are not needed once H is formed.
 *
 * @param h row-major [inputs, inputs], symmetric
 */
public record InputGram(int inputs, int tokens, double[] h) {

    /** Forms XᵀX with one matrix product on the manager's device (float32 products, widened to double). */
    public static InputGram of(Tensor x, NDManager manager) {
        int n = x.dim(0), d = x.dim(1);
        float[] g;
        try (NDManager m = manager.newSubManager()) {
            NDArray a = m.create(x.data(), new Shape(n, d));
            g = a.transpose().matMul(a).toFloatArray();
        }
        double[] h = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            h[i] = g[i];
        }
        return new InputGram(d, n, h);
    }

    /** ‖X_j‖₂ for every input j. */
    public double[] columnNorms() {
        double[] norms = new double[inputs];
        for (int j = 0; j < inputs; j++) {
            norms[j] = Math.sqrt(Math.max(0, h[j * inputs + j]));
        }
        return norms;
    }

    /** ‖W Xᵀ − Ŵ Xᵀ‖²_F over the calibration tokens, from H alone: the layer reconstruction error SparseGPT minimises. */
    public double reconstructionError(Tensor dense, Tensor sparse) {
        int rows = dense.dim(0);
        if (dense.dim(1) != inputs || sparse.dim(0) != rows || sparse.dim(1) != inputs) {
            throw new IllegalArgumentException("weights " + dense + " and " + sparse + " do not match " + inputs + " inputs");
        }
        double total = 0;
        double[] diff = new double[inputs];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < inputs; j++) {
                diff[j] = (double) dense.data()[r * inputs + j] - sparse.data()[r * inputs + j];
            }
            for (int i = 0; i < inputs; i++) {
                if (diff[i] == 0) {
                    continue;
                }
                double s = 0;
                for (int j = 0; j < inputs; j++) {
                    s += h[i * inputs + j] * diff[j];
                }
                total += diff[i] * s;
            }
        }
        return total;
    }
}
