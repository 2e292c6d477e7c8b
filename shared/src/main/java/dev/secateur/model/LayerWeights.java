package dev.secateur.model;

import dev.secateur.checkpoint.Tensor;

/**
 * One decoder block in a canonical layout shared by every architecture: linear weights are
 * [out, in] (PyTorch Linear), optional parts are null. GPT-2's fused Conv1D c_attn is split and
 * transposed into q/k/v on read, so pruning, the DJL forward and the ONNX graph see one shape of block.
 *
 * @param gate null for non-gated MLPs (GPT-2's gelu MLP)
 * @param attnNorm the norm before attention; null in OLMo 2, which has none (nor one before the MLP: mlpNorm)
 * @param qNorm Qwen3's RMSNorm weight [headDim] applied to every query head before RoPE (shared by all heads, so it
 *     stays as it is when heads are pruned), or OLMo 2's [heads × headDim] over all query heads together (one weight
 *     per q row, sliced with the heads, see {@link #qkNormSpansHeads()}); null elsewhere
 * @param kNorm the same for the key heads
 * @param postAttnNorm Gemma 2's RMSNorm [hidden] of the attention output before it joins the residual; null elsewhere
 * @param postMlpNorm Gemma 2's RMSNorm [hidden] of the MLP output before it joins the residual; null elsewhere
 */
public record LayerWeights(
        Tensor attnNorm, Tensor attnNormBias,
        Tensor q, Tensor qBias, Tensor k, Tensor kBias, Tensor v, Tensor vBias,
        Tensor o, Tensor oBias,
        Tensor mlpNorm, Tensor mlpNormBias,
        Tensor gate, Tensor gateBias, Tensor up, Tensor upBias, Tensor down, Tensor downBias,
        Tensor qNorm, Tensor kNorm, Tensor postAttnNorm, Tensor postMlpNorm) {

    /** A block without post norms (every architecture but Gemma 2). */
    public LayerWeights(Tensor attnNorm, Tensor attnNormBias,
            Tensor q, Tensor qBias, Tensor k, Tensor kBias, Tensor v, Tensor vBias,
            Tensor o, Tensor oBias,
            Tensor mlpNorm, Tensor mlpNormBias,
            Tensor gate, Tensor gateBias, Tensor up, Tensor upBias, Tensor down, Tensor downBias,
            Tensor qNorm, Tensor kNorm) {
        this(attnNorm, attnNormBias, q, qBias, k, kBias, v, vBias, o, oBias, mlpNorm, mlpNormBias,
                gate, gateBias, up, upBias, down, downBias, qNorm, kNorm, null, null);
    }

    /** A block without query/key norms (every architecture but Qwen3). */
    public LayerWeights(Tensor attnNorm, Tensor attnNormBias,
            Tensor q, Tensor qBias, Tensor k, Tensor kBias, Tensor v, Tensor vBias,
            Tensor o, Tensor oBias,
            Tensor mlpNorm, Tensor mlpNormBias,
            Tensor gate, Tensor gateBias, Tensor up, Tensor upBias, Tensor down, Tensor downBias) {
        this(attnNorm, attnNormBias, q, qBias, k, kBias, v, vBias, o, oBias, mlpNorm, mlpNormBias,
                gate, gateBias, up, upBias, down, downBias, null, null, null, null);
    }

    public int numHeads(int headDim) {
        return q.dim(0) / headDim;
    }

    public int numKvHeads(int headDim) {
        return k.dim(0) / headDim;
    }

    public int ffnWidth() {
        return up.dim(0);
    }

    public boolean gated() {
        return gate != null;
    }

    public long parameterCount() {
        long n = 0;
        for (Tensor t : new Tensor[] {attnNorm, attnNormBias, q, qBias, k, kBias, v, vBias, o, oBias, mlpNorm,
                mlpNormBias, gate, gateBias, up, upBias, down, downBias, qNorm, kNorm, postAttnNorm, postMlpNorm}) {
            n += t == null ? 0 : t.numel();
        }
        return n;
    }

    public LayerWeights withMlp(Tensor gate, Tensor gateBias, Tensor up, Tensor upBias, Tensor down, Tensor downBias) {
        return new LayerWeights(attnNorm, attnNormBias, q, qBias, k, kBias, v, vBias, o, oBias, mlpNorm, mlpNormBias,
                gate, gateBias, up, upBias, down, downBias, qNorm, kNorm, postAttnNorm, postMlpNorm);
    }

    /** Whether q_norm / k_norm normalise all heads together (OLMo 2): one weight per row of q (k). */
    public boolean qkNormSpansHeads() {
        // with a single query head the two readings compute the same
        return qNorm != null && qNorm.numel() == q.dim(0);
    }

    /** The same block with other weights for its two pre-norms (their biases kept). */
    public LayerWeights withNorms(Tensor attnNorm, Tensor mlpNorm) {
        return new LayerWeights(attnNorm, attnNormBias, q, qBias, k, kBias, v, vBias, o, oBias, mlpNorm, mlpNormBias,
                gate, gateBias, up, upBias, down, downBias, qNorm, kNorm, postAttnNorm, postMlpNorm);
    }

    public LayerWeights withQkNorm(Tensor qNorm, Tensor kNorm) {
        return new LayerWeights(attnNorm, attnNormBias, q, qBias, k, kBias, v, vBias, o, oBias, mlpNorm, mlpNormBias,
                gate, gateBias, up, upBias, down, downBias, qNorm, kNorm, postAttnNorm, postMlpNorm);
    }

    public LayerWeights withAttention(Tensor q, Tensor qBias, Tensor k, Tensor kBias, Tensor v, Tensor vBias, Tensor o, Tensor oBias) {
        return new LayerWeights(attnNorm, attnNormBias, q, qBias, k, kBias, v, vBias, o, oBias, mlpNorm, mlpNormBias,
                gate, gateBias, up, upBias, down, downBias, qNorm, kNorm, postAttnNorm, postMlpNorm);
    }
}
