package dev.secateur.prune.criterion;

import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;

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

    /** Per unit, W_gᵀW_g (b×b row-major): the energy form of a unit's output columns. */
    public double[][] outputGram() {
        int h = output.dim(0), w = output.dim(1), b = blockSize;
        double[][] g = new double[units][b * b];
        float[] d = output.data();
        for (int u = 0; u < units; u++) {
            for (int i = 0; i < h; i++) {
                int base = i * w + u * b;
                for (int x = 0; x < b; x++) {
                    double wx = d[base + x];
                    for (int y = 0; y < b; y++) {
                        g[u][x * b + y] += wx * d[base + y];
                    }
                }
            }
        }
        return g;
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
