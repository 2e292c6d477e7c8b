package dev.secateur.model;

import dev.secateur.checkpoint.Tensor;

/**
 * One post-LN encoder block (BERT) in the canonical layout: linear weights [out, in], biases present.
 * <pre>
 *   a = LayerNorm(x + o(attention(q, k, v)(x)))        attnNorm / attnNormBias  (attention.output.LayerNorm)
 *   y = LayerNorm(a + down(gelu(up(a))))               ffnNorm / ffnNormBias    (output.LayerNorm)
 * </pre>
 * Field names match {@link LayerWeights} where the role is the same (q/k/v/o, up = intermediate.dense,
 * down = output.dense), so pruning slices an encoder block exactly like a decoder block: heads are rows of
 * q/k/v and columns of o, FFN neurons rows of up and columns of down. Sizes come from the weights.
 */
public record EncoderLayerWeights(
        Tensor q, Tensor qBias, Tensor k, Tensor kBias, Tensor v, Tensor vBias,
        Tensor o, Tensor oBias,
        Tensor attnNorm, Tensor attnNormBias,
        Tensor up, Tensor upBias, Tensor down, Tensor downBias,
        Tensor ffnNorm, Tensor ffnNormBias) {

    public int numHeads(int headDim) {
        return q.dim(0) / headDim;
    }

    public int ffnWidth() {
        return up.dim(0);
    }

    public long parameterCount() {
        long n = 0;
        for (Tensor t : new Tensor[] {q, qBias, k, kBias, v, vBias, o, oBias, attnNorm, attnNormBias, up, upBias,
                down, downBias, ffnNorm, ffnNormBias}) {
            n += t == null ? 0 : t.numel();
        }
        return n;
    }

    public EncoderLayerWeights withMlp(Tensor up, Tensor upBias, Tensor down, Tensor downBias) {
        return new EncoderLayerWeights(q, qBias, k, kBias, v, vBias, o, oBias, attnNorm, attnNormBias,
                up, upBias, down, downBias, ffnNorm, ffnNormBias);
    }

    public EncoderLayerWeights withAttention(Tensor q, Tensor qBias, Tensor k, Tensor kBias, Tensor v, Tensor vBias, Tensor o, Tensor oBias) {
        return new EncoderLayerWeights(q, qBias, k, kBias, v, vBias, o, oBias, attnNorm, attnNormBias,
                up, upBias, down, downBias, ffnNorm, ffnNormBias);
    }

    /**
     * The block's projections in the decoder's {@link LayerWeights} layout (no gate; the post-attention and
     * post-FFN LayerNorms stand in for the two norms), so that the pruning engine's criteria, compensation and
     * slicing, written for LayerWeights, run on encoder blocks unchanged. {@link #withProjections} maps back.
     */
    public LayerWeights asLayerWeights() {
        return new LayerWeights(attnNorm, attnNormBias, q, qBias, k, kBias, v, vBias, o, oBias, ffnNorm, ffnNormBias,
                null, null, up, upBias, down, downBias);
    }

    /** This block with q/k/v/o and up/down taken from {@code w} (pruned or compensated); norms are kept. */
    public EncoderLayerWeights withProjections(LayerWeights w) {
        if (w.gate() != null) {
            throw new IllegalArgumentException("an encoder block has no gate projection");
        }
        return new EncoderLayerWeights(w.q(), w.qBias(), w.k(), w.kBias(), w.v(), w.vBias(), w.o(), w.oBias(), attnNorm, attnNormBias,
                w.up(), w.upBias(), w.down(), w.downBias(), ffnNorm, ffnNormBias);
    }

    /** Keeps the given FFN neurons (rows of up, columns of down), in the given order. */
    public EncoderLayerWeights keepFfn(int[] neurons) {
        return withMlp(up.selectRows(neurons), upBias.selectRows(neurons), down.selectColumns(neurons), downBias);
    }

    /** Keeps the given attention heads (rows of q/k/v, columns of o), in the given order. */
    public EncoderLayerWeights keepHeads(int[] heads, int headDim) {
        int[] rows = new int[heads.length * headDim];
        for (int i = 0; i < heads.length; i++) {
            for (int j = 0; j < headDim; j++) {
                rows[i * headDim + j] = heads[i] * headDim + j;
            }
        }
        return withAttention(q.selectRows(rows), qBias.selectRows(rows), k.selectRows(rows), kBias.selectRows(rows),
                v.selectRows(rows), vBias.selectRows(rows), o.selectColumns(rows), oBias);
    }
}
