package dev.secateur.prune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;

/**
 * The building blocks of the Hugging Face decoders, written as plain NDArray expressions (no DJL Blocks) so
 * that autograd sees ordinary ops on the weight arrays. Each result is created in the first argument's
 * manager, which is why activations always come first: nothing produced here lands in the weights' manager.
 */
final class Ops {
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    private Ops() {
    }

    /** x·Wᵀ + b with W as [out, in] (torch.nn.Linear); b may be null. */
    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias)).singletonOrThrow();
    }

    /** Llama's RMSNorm: x / sqrt(mean(x²) + eps) · w, over the last axis, in float32 as the model is kept. */
    static NDArray rmsNorm(NDArray x, NDArray weight, float eps) {
        NDArray meanSquare = x.square().mean(new int[] {x.getShape().dimension() - 1}, true);
        return x.div(meanSquare.add(eps).sqrt()).mul(weight);
    }

    /** GPT-2's LayerNorm over the last axis, with bias. */
    static NDArray layerNorm(NDArray x, NDArray weight, NDArray bias, float eps) {
        return LayerNorm.layerNorm(x, new Shape(weight.getShape().get(0)), weight, bias, eps).singletonOrThrow();
    }

    /** GPT-2's gelu_new: the tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    static NDArray geluNew(NDArray x) {
        NDArray inner = x.pow(3).mul(0.044715f).add(x).mul(SQRT_2_OVER_PI);
        return inner.tanh().add(1f).mul(x).mul(0.5f);
    }

    /** SiLU (swish): x·sigmoid(x), the gate activation of the Llama family's SwiGLU. */
    /** The exact GELU, 0.5·x·(1 + erf(x/√2)): GPT-NeoX's gelu. */
    static NDArray geluErf(NDArray x) {
        return x.mul((float) (1 / Math.sqrt(2))).erf().add(1f).mul(x).mul(0.5f);
    }

    /** Nemotron's relu2: max(x, 0)². */
    static NDArray reluSquared(NDArray x) {
        NDArray r = x.maximum(0f);
        return r.mul(r);
    }

    static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    /** Hugging Face's rotate_half: (x1, x2) → (−x2, x1) with the halves of the last axis. */
    static NDArray rotateHalf(NDArray x) {
        int last = x.getShape().dimension() - 1;
        long half = x.getShape().get(last) / 2;
        NDArray x1 = x.get("..., :" + half);
        NDArray x2 = x.get("..., " + half + ":");
        return NDArrays.concat(new NDList(x2.neg(), x1), last);
    }

    /**
     * x·cos + rotate_half(x)·sin; cos/sin are [seq, rotaryDim] and broadcast over batch and heads. With a rotary part
     * narrower than the head (partial_rotary_factor), only the leading rotaryDim dimensions turn; the rest pass.
     */
    static NDArray applyRope(NDArray x, NDArray cos, NDArray sin) {
        int last = x.getShape().dimension() - 1;
        long rotary = cos.getShape().get(cos.getShape().dimension() - 1);
        if (rotary == x.getShape().get(last)) {
            return x.mul(cos).add(rotateHalf(x).mul(sin));
        }
        NDArray turned = x.get("..., :" + rotary);
        return NDArrays.concat(new NDList(turned.mul(cos).add(rotateHalf(turned).mul(sin)), x.get("..., " + rotary + ":")), last);
    }

    /** An additive [seq, seq] mask: 0 where a query may look (key ≤ query), −∞ above the diagonal. */
    static NDArray causalMask(NDManager manager, int seq) {
        return windowMask(manager, seq, seq);
    }

    /** The causal mask of a sliding window: query i sees keys j with i − window &lt; j ≤ i (Hugging Face's rule). */
    static NDArray windowMask(NDManager manager, int seq, int window) {
        float[] m = new float[seq * seq];
        for (int i = 0; i < seq; i++) {
            for (int j = 0; j < seq; j++) {
                if (j > i || i - j >= window) {
                    m[i * seq + j] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        return manager.create(m, new Shape(seq, seq));
    }

    /**
     * Causal softmax attention with grouped key/value heads, without copying K and V per query head: queries
     * are viewed as [B, kvHeads, group, T, d] against keys [B, kvHeads, 1, T, d], so query head h uses KV
     * head h / group, exactly Hugging Face's repeat_kv.
     *
     * @param q [B, heads, T, d]; k, v [B, kvHeads, T, d]
     * @return [B, heads, T, d]
     */
    static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask) {
        return attention(q, k, v, mask, 1 / Math.sqrt(q.getShape().get(3)), 0);
    }

    /**
     * @param scale what the scores q·k are multiplied by (1/√d, or Gemma 2's query_pre_attn_scalar^−½)
     * @param cap   Gemma 2's soft cap on the scaled scores, applied before the mask; 0 for none
     */
    static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask, double scale, double cap) {
        Shape qs = q.getShape();
        long b = qs.get(0), heads = qs.get(1), t = qs.get(2), d = qs.get(3);
        long kvHeads = k.getShape().get(1);
        NDArray qg = q.reshape(b, kvHeads, heads / kvHeads, t, d);
        NDArray kg = k.expandDims(2);
        NDArray vg = v.expandDims(2);
        NDArray scores = qg.matMul(kg.transpose(0, 1, 2, 4, 3)).mul((float) scale);
        if (cap > 0) {
            scores = softcap(scores, cap);
        }
        return scores.add(mask).softmax(-1).matMul(vg).reshape(b, heads, t, d);
    }

    /** cap·tanh(x / cap): Gemma 2's soft cap of attention scores and logits. */
    static NDArray softcap(NDArray x, double cap) {
        return x.div((float) cap).tanh().mul((float) cap);
    }
}
