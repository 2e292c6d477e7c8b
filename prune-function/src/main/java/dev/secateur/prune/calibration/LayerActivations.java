package dev.secateur.prune.calibration;

import dev.secateur.checkpoint.Tensor;

/**
 * Calibration activations of one decoder block, token-subsampled into [n, width] matrices. Every matrix
 * of one layer holds the same tokens in the same row order, so FFN input and intermediate rows line up
 * (a least-squares refit needs that). Matrices a criterion does not need may be null.
 *
 * @param ffnIntermediate input of down_proj, [n, ffn]
 * @param ffnInput input of gate/up after the norm, [n, hidden]
 * @param heads per-head attention outputs before o_proj, [n, heads·headDim], head h in columns h·hd..(h+1)·hd
 * @param blockInput residual stream entering the block, [n, hidden]
 * @param blockOutput residual stream leaving the block, [n, hidden]
 */
public record LayerActivations(
        int layer, int numHeads, int numKvHeads, int headDim,
        Tensor ffnIntermediate, Tensor ffnInput, Tensor heads, Tensor blockInput, Tensor blockOutput) {

    /** Metadata only, for criteria that read weights alone (magnitude, random). */
    public static LayerActivations none(int layer, int numHeads, int numKvHeads, int headDim) {
        return new LayerActivations(layer, numHeads, numKvHeads, headDim, null, null, null, null, null);
    }

    public int kvGroupSize() {
        return numHeads / numKvHeads;
    }

    public long bytes() {
        long b = 0;
        for (Tensor t : new Tensor[] {ffnIntermediate, ffnInput, heads, blockInput, blockOutput}) {
            b += t == null ? 0 : 4L * t.numel();
        }
        return b;
    }

    /** The same activations with rows in another order (tests of token-order invariance). */
    public LayerActivations permuteRows(int[] order) {
        return new LayerActivations(layer, numHeads, numKvHeads, headDim, rows(ffnIntermediate, order), rows(ffnInput, order),
                rows(heads, order), rows(blockInput, order), rows(blockOutput, order));
    }

    private static Tensor rows(Tensor t, int[] order) {
        return t == null ? null : t.selectRows(order);
    }
}
