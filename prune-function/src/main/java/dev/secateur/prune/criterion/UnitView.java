package dev.secateur.prune.criterion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;
import java.util.Arrays;

/**
 * A layer seen as prunable units: each unit owns {@code blockSize} consecutive columns of the activations
 * [n, units·blockSize] and of the output projection [hidden, units·blockSize]. FFN: a neuron, its down_proj
 * column. Heads: a KV group (groupSize query heads × headDim columns), its o_proj columns.
 *
 * @param activations null when the criterion needs none
 */
public record UnitView(Structure structure, int units, int blockSize, Tensor activations, Tensor output) {

    public static UnitView of(LayerActivations acts, LayerWeights w, Structure s) {
        return switch (s) {
            case FFN_NEURONS -> new UnitView(s, w.ffnWidth(), 1, acts == null ? null : acts.ffnIntermediate(), w.down());
            case ATTENTION_HEADS -> {
                int block = acts.kvGroupSize() * acts.headDim();
                yield new UnitView(s, acts.numKvHeads(), block, acts.heads(), w.o());
            }
            case LAYERS -> throw new IllegalArgumentException("whole layers are not units of one layer; use LayerDropSelector");
        };
    }

    public Tensor requireActivations(String criterion) {
        if (activations == null) {
            throw new IllegalStateException(criterion + " needs calibration activations for " + structure);
        }
        return activations;
    }

    /** Σ_i W[i, c]² for every output column c. */
    public double[] outputColumnEnergy() {
        int h = output.dim(0), w = output.dim(1);
        double[] e = new double[w];
        float[] d = output.data();
        for (int i = 0; i < h; i++) {
            for (int c = 0; c < w; c++) {
                e[c] += (double) d[i * w + c] * d[i * w + c];
            }
        }
        return e;
    }

    /** Σ_i |W[i, c]| for every output column c. */
    public double[] outputColumnL1() {
        int h = output.dim(0), w = output.dim(1);
        double[] e = new double[w];
        float[] d = output.data();
        for (int i = 0; i < h; i++) {
            for (int c = 0; c < w; c++) {
                e[c] += Math.abs(d[i * w + c]);
            }
        }
        return e;
    }

    /**
     * Per unit, W_gᵀW_g (b×b row-major): the energy form of a unit's output columns. One batched float64 product on
     * the manager's device: as a scalar Java loop this was 3.8 s of the 5.2 s that mi spent on the KV groups of a
     * hidden-2048 layer (docs/benchmarks/scale.md).
     */
    public double[][] outputGram(NDManager manager) {
        int h = output.dim(0), b = blockSize;
        try (NDManager m = manager.newSubManager()) {
            NDArray w = m.create(output.data(), new Shape(h, units, b)).toType(DataType.FLOAT64, false).transpose(1, 0, 2);
            double[] flat = w.transpose(0, 2, 1).matMul(w).toDoubleArray();
            double[][] g = new double[units][];
            for (int u = 0; u < units; u++) {
                g[u] = Arrays.copyOfRange(flat, u * b * b, (u + 1) * b * b);
            }
            return g;
        }
    }

    /** Sums per-column values over each unit's columns. */
    public double[] perUnit(double[] perColumn) {
        double[] out = new double[units];
        for (int c = 0; c < perColumn.length; c++) {
            out[c / blockSize] += perColumn[c];
        }
        return out;
    }

    /** Σ_c a[c] · b[c] over each unit's columns: a weight statistic times an activation statistic, column by column. */
    public double[] perUnit(double[] a, double[] b) {
        double[] col = new double[a.length];
        for (int c = 0; c < col.length; c++) {
            col[c] = a[c] * b[c];
        }
        return perUnit(col);
    }
}
