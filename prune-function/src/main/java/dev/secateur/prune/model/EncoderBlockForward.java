package dev.secateur.prune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import dev.secateur.checkpoint.Architecture;
import dev.secateur.checkpoint.ModelConfig;

/**
 * The arithmetic of a BERT-family encoder (Hugging Face's BertModel), one piece at a time, in float32: word +
 * position + token-type embeddings → LayerNorm, post-LN blocks with padding masked out of attention, and the
 * sentence-transformers pooling. Blocks take the decoder's {@link LayerArrays} layout
 * ({@link dev.secateur.model.EncoderLayerWeights#asLayerWeights}: attnNorm is attention.output.LayerNorm, mlpNorm is
 * output.LayerNorm), so the streaming pruner runs them like decoder blocks and {@link EncoderModel} chains them.
 *
 * <pre>
 *   a = LN(x + o(attention(q, k, v)(x)))      y = LN(a + down(gelu(up(a))))      (exact erf GELU)
 * </pre>
 * Capture sites as the decoder's: BLOCK_INPUT (x), ATTENTION_INPUT (x again: post-LN, q/k/v read x itself), ATTENTION_HEADS (per-head context before o, [B, T, heads,
 * headDim]), FFN_INPUT (a), FFN_INTERMEDIATE (gelu(up(a))), BLOCK_OUTPUT (y). Padded positions are captured too; the
 * pruner picks only real tokens' rows.
 */
public final class EncoderBlockForward implements BlockMath {
    /** Masked attention scores get torch.finfo(float32).min added, as Hugging Face does. */
    private static final float MASKED = -Float.MAX_VALUE;
    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));

    private final int headDim;
    private final float eps;

    public EncoderBlockForward(ModelConfig config) {
        if (config.architecture() != Architecture.BERT) {
            throw new IllegalArgumentException("EncoderBlockForward runs BertModel encoders, not " + config.architecture().hfName());
        }
        this.headDim = config.headDim();
        this.eps = (float) config.normEps();
    }

    /** LN(word[ids] + tokenType[types] + position[0..T)) for int64 ids [B, T]; types null: all 0 (single sentences). */
    public NDArray embed(NDArray ids, NDArray types, NDArray word, NDArray position, NDArray tokenType, NDArray norm, NDArray normBias, NDManager pass) {
        int seq = Math.toIntExact(ids.getShape().get(1));
        if (seq > position.getShape().get(0)) {
            throw new IllegalArgumentException("sequence of " + seq + " tokens exceeds the model's " + position.getShape().get(0) + " positions");
        }
        NDArray x = Embedding.embedding(ids, word, SparseFormat.DENSE).singletonOrThrow()
                .add(Embedding.embedding(types == null ? ids.zerosLike() : types, tokenType, SparseFormat.DENSE).singletonOrThrow())
                .add(Embedding.embedding(pass.arange(0, seq, 1, DataType.INT64), position, SparseFormat.DENSE).singletonOrThrow());
        return Ops.layerNorm(x, norm, normBias, eps);
    }

    @Override
    public NDArray block(int i, LayerArrays l, NDArray x, NDArray mask, NDManager pass, ForwardCapture capture) {
        offer(capture, CaptureSite.BLOCK_INPUT, i, x);
        long b = x.getShape().get(0), t = x.getShape().get(1);
        NDArray attn;
        if (l.q().getShape().get(0) == 0) {
            attn = l.oBias(); // every head removed: the attention output is its bias alone
        } else {
            // [B, 1, 1, 1, T] broadcasts over Ops.attention's [B, kv, group, T, T] scores
            offer(capture, CaptureSite.ATTENTION_INPUT, i, x);
            NDArray bias = mask == null ? pass.zeros(new Shape(1)) : mask.neg().add(1f).mul(MASKED).reshape(b, 1, 1, 1, t);
            NDArray q = heads(Ops.linear(x, l.q(), l.qBias()), b, t);
            NDArray k = heads(Ops.linear(x, l.k(), l.kBias()), b, t);
            NDArray v = heads(Ops.linear(x, l.v(), l.vBias()), b, t);
            NDArray perHead = Ops.attention(q, k, v, bias).transpose(0, 2, 1, 3); // [B, T, heads, headDim]
            offer(capture, CaptureSite.ATTENTION_HEADS, i, perHead);
            attn = Ops.linear(perHead.reshape(b, t, -1), l.o(), l.oBias());
        }
        NDArray a = Ops.layerNorm(x.add(attn), l.attnNorm(), l.attnNormBias(), eps);
        offer(capture, CaptureSite.FFN_INPUT, i, a);
        NDArray ffn;
        if (l.up().getShape().get(0) == 0) {
            ffn = l.downBias();
        } else {
            NDArray inner = gelu(Ops.linear(a, l.up(), l.upBias()));
            offer(capture, CaptureSite.FFN_INTERMEDIATE, i, inner);
            ffn = Ops.linear(inner, l.down(), l.downBias());
        }
        NDArray y = Ops.layerNorm(a.add(ffn), l.mlpNorm(), l.mlpNormBias(), eps);
        offer(capture, CaptureSite.BLOCK_OUTPUT, i, y);
        return y;
    }

    /** The sentence-transformers sentence embedding of last hidden states [B, T, H]: mean over real tokens, L2-normalised. */
    public static NDArray meanPool(NDArray x, NDArray mask) {
        NDArray m = mask.expandDims(2);
        NDArray mean = x.mul(m).sum(new int[] {1}).div(m.sum(new int[] {1}).maximum(1e-9f));
        return mean.div(mean.norm(new int[] {1}, true).maximum(1e-12f));
    }

    /** [B, T, n·headDim] → [B, n, T, headDim]. */
    private NDArray heads(NDArray x, long b, long t) {
        return x.reshape(b, t, -1, headDim).transpose(0, 2, 1, 3);
    }

    /** The exact GELU of BERT: 0.5·x·(1 + erf(x/√2)). */
    static NDArray gelu(NDArray x) {
        return x.mul(INV_SQRT2).erf().add(1f).mul(x).mul(0.5f);
    }

    private static void offer(ForwardCapture capture, CaptureSite site, int layer, NDArray value) {
        if (capture.wants(site, layer)) {
            capture.record(site, layer, value);
        }
    }
}
