package dev.secateur.prune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import dev.secateur.checkpoint.ModelConfig;

/**
 * The arithmetic of a decoder, one piece at a time, computing what Hugging Face's modeling code computes in
 * float32: embedding, a pre-norm block, the final norm and head. {@link DecoderModel} chains the pieces over a
 * resident model; the streaming pruner calls them on one block at a time. Every op is a differentiable NDArray op.
 */
public final class BlockForward implements BlockMath {
    private final int headDim;
    private final float eps;
    private final boolean layerNorm;
    private final ModelConfig.Activation activation;
    private final boolean parallel;
    private final Rope rope;
    /** Gemma 3's sliding layers' rotary tables (rope_local_base_freq), null elsewhere. */
    private final Rope localRope;
    private final boolean[] localRotary;
    /** Whether each layer rotates its queries and keys (SmolLM3's NoPE layers do not). */
    private final boolean[] rotates;
    /** Each layer's attention window, null where it sees the whole prefix. */
    private final Integer[] windows;
    private final double attentionScale;
    private final double attentionCap;
    private final double logitCap;
    private final double embeddingScale;
    private final int positionOffset;
    private final float residualMultiplier;
    private final float logitsScaling;

    public BlockForward(ModelConfig config) {
        this.headDim = config.headDim();
        this.eps = (float) config.normEps();
        this.layerNorm = config.architecture().usesLayerNorm();
        this.activation = config.mlpActivation();
        this.parallel = config.parallelResidual();
        this.rope = config.usesRope() ? new Rope(config.rotaryDim(), config.ropeTheta(), config.ropeScaling()) : null;
        int layers = config.numLayers();
        this.windows = new Integer[layers];
        this.localRotary = new boolean[layers];
        this.rotates = new boolean[layers];
        for (int i = 0; i < layers; i++) {
            windows[i] = config.windowOf(i);
            localRotary[i] = config.localRotary(i);
            rotates[i] = config.rotates(i);
        }
        this.localRope = config.hasLocalRotary() ? new Rope(config.rotaryDim(), config.localRopeTheta(), null) : null;
        this.attentionScale = config.attentionScale();
        this.attentionCap = config.attentionSoftcap();
        this.logitCap = config.finalSoftcap();
        this.embeddingScale = config.embeddingScale();
        this.positionOffset = config.positionOffset();
        this.residualMultiplier = (float) config.residualMultiplier();
        this.logitsScaling = (float) config.logitsScaling();
    }

    /**
     * Logits as the model gives them from the head's products: Granite's ÷ logits_scaling, Gemma 2's final soft cap;
     * elementwise, so piece by piece too.
     */
    public NDArray finalLogits(NDArray logits) {
        NDArray scaled = logitsScaling != 1f ? logits.div(logitsScaling) : logits;
        return logitCap > 0 ? Ops.softcap(scaled, logitCap) : scaled;
    }

    /**
     * What every block of one forward pass shares: the causal mask, the windowed one (null when no layer's window is
     * shorter than the pass) and the rotary tables for its length (Gemma 3's local ones too).
     */
    public record Context(NDArray mask, NDArray windowMask, NDArray[] cosSin, NDArray[] localCosSin) {
    }

    public Context context(NDManager pass, int seq) {
        Integer window = null;
        for (Integer w : windows) {
            window = w != null && w < seq ? w : window;
        }
        return new Context(Ops.causalMask(pass, seq), window == null ? null : Ops.windowMask(pass, seq, window),
                rope == null ? null : rope.tables(pass, seq), localRope == null ? null : localRope.tables(pass, seq));
    }

    /** Token embeddings of int64 ids [B, T], plus learned positions for GPT-2 (rotary models add positions inside attention). */
    public NDArray embed(NDArray ids, NDArray tokenEmbedding, NDArray positionEmbedding, NDManager pass) {
        int seq = Math.toIntExact(ids.getShape().get(1));
        if (positionEmbedding != null && seq + positionOffset > positionEmbedding.getShape().get(0)) {
            throw new IllegalArgumentException("sequence of " + seq + " tokens exceeds the model's "
                    + (positionEmbedding.getShape().get(0) - positionOffset) + " learned positions");
        }
        NDArray x = Embedding.embedding(ids, tokenEmbedding, SparseFormat.DENSE).singletonOrThrow();
        if (embeddingScale != 1.0) {
            x = x.mul((float) embeddingScale);
        }
        if (positionEmbedding != null) {
            NDArray positions = pass.arange(positionOffset, positionOffset + seq, 1, DataType.INT64); // OPT's table starts 2 rows early
            x = x.add(Embedding.embedding(positions, positionEmbedding, SparseFormat.DENSE).singletonOrThrow());
        }
        return x;
    }

    /** Decoders see no padding: every window is full, and the causal mask is the only one. */
    @Override
    public NDArray block(int index, LayerArrays l, NDArray x, NDArray mask, NDManager pass, ForwardCapture capture) {
        if (mask != null) {
            throw new IllegalArgumentException("decoder blocks take unpadded windows; an attention mask is not supported");
        }
        return block(index, l, x, context(pass, Math.toIntExact(x.getShape().get(1))), capture);
    }

    /**
     * A pre-norm block: x + attention(norm(x)), then h + mlp(norm(h)); Gemma 2 also normalises both outputs; OLMo 2
     * normalises only the outputs; GPT-NeoX's parallel block adds mlp(norm₂(x)) instead, Phi's mlp(norm(x)).
     */
    NDArray block(int i, LayerArrays l, NDArray x, Context ctx, ForwardCapture capture) {
        offer(capture, CaptureSite.BLOCK_INPUT, i, x);
        NDArray attnInput = norm(x, l.attnNorm(), l.attnNormBias());
        offer(capture, CaptureSite.ATTENTION_INPUT, i, attnInput);
        NDArray attn = attention(i, l, attnInput, ctx, capture);
        NDArray h = x.add(residual(l.postAttnNorm() == null ? attn : Ops.rmsNorm(attn, l.postAttnNorm(), eps)));
        offer(capture, CaptureSite.MID_RESIDUAL, i, h);
        // GPT-NeoX's parallel block: the MLP reads the block input, not the attention's result; Phi's, attention's own input
        NDArray ffnInput = parallel && l.mlpNorm() == null ? attnInput : norm(parallel ? x : h, l.mlpNorm(), l.mlpNormBias());
        offer(capture, CaptureSite.FFN_INPUT, i, ffnInput);
        NDArray mlp = mlp(i, l, ffnInput, capture);
        NDArray out = h.add(residual(l.postMlpNorm() == null ? mlp : Ops.rmsNorm(mlp, l.postMlpNorm(), eps)));
        offer(capture, CaptureSite.BLOCK_OUTPUT, i, out);
        return out;
    }

    /** A block's update as it joins the residual stream: × Granite's residual_multiplier. */
    private NDArray residual(NDArray update) {
        return residualMultiplier != 1f ? update.mul(residualMultiplier) : update;
    }

    /** The final norm alone, for heads applied in pieces of the vocabulary. */
    public NDArray finalNorm(NDArray x, NDArray finalNorm, NDArray finalNormBias) {
        return norm(x, finalNorm, finalNormBias);
    }

    /** @param lmHeadBias Phi's output bias [vocab], or null */
    public NDArray head(NDArray x, NDArray finalNorm, NDArray finalNormBias, NDArray lmHead, NDArray lmHeadBias) {
        return finalLogits(Ops.linear(norm(x, finalNorm, finalNormBias), lmHead, lmHeadBias));
    }

    /** Whether the q norm has a weight per q row (OLMo 2) rather than per head dimension (Qwen3, Gemma 3). */
    private boolean spansHeads(LayerArrays l) {
        return l.qNorm() != null && l.qNorm().getShape().get(0) == l.q().getShape().get(0);
    }

    /** No weight: no norm (OLMo 2 has none before attention or the MLP). */
    private NDArray norm(NDArray x, NDArray weight, NDArray bias) {
        if (weight == null) {
            return x;
        }
        return layerNorm ? Ops.layerNorm(x, weight, bias, eps) : Ops.rmsNorm(x, weight, eps);
    }

    /** Multi-head (or grouped-query) causal self-attention; head counts from this layer's q/k rows. */
    private NDArray attention(int i, LayerArrays l, NDArray x, Context ctx, ForwardCapture capture) {
        long b = x.getShape().get(0), t = x.getShape().get(1);
        NDArray qRows = Ops.linear(x, l.q(), l.qBias()), kRows = Ops.linear(x, l.k(), l.kBias());
        boolean spans = spansHeads(l);
        if (spans) {
            // OLMo 2: one RMSNorm over all query heads together, one over all key heads, before RoPE
            qRows = Ops.rmsNorm(qRows, l.qNorm(), eps);
            kRows = Ops.rmsNorm(kRows, l.kNorm(), eps);
        }
        NDArray q = heads(qRows, b, t);
        NDArray k = heads(kRows, b, t);
        NDArray v = heads(Ops.linear(x, l.v(), l.vBias()), b, t);
        if (l.qNorm() != null && !spans) {
            // Qwen3, Gemma 3: RMSNorm over head_dim of every query and key head, before RoPE
            q = Ops.rmsNorm(q, l.qNorm(), eps);
            k = Ops.rmsNorm(k, l.kNorm(), eps);
        }
        NDArray[] cosSin = !rotates[i] ? null : localRotary[i] ? ctx.localCosSin() : ctx.cosSin();
        if (cosSin != null) {
            q = Ops.applyRope(q, cosSin[0], cosSin[1]);
            k = Ops.applyRope(k, cosSin[0], cosSin[1]);
        }
        NDArray mask = windows[i] != null && ctx.windowMask() != null ? ctx.windowMask() : ctx.mask();
        NDArray perHead = Ops.attention(q, k, v, mask, attentionScale, attentionCap).transpose(0, 2, 1, 3); // [B, T, heads, headDim]
        offer(capture, CaptureSite.ATTENTION_HEADS, i, perHead);
        return Ops.linear(perHead.reshape(b, t, -1), l.o(), l.oBias());
    }

    /** [B, T, n·headDim] → [B, n, T, headDim]. */
    private NDArray heads(NDArray x, long b, long t) {
        return x.reshape(b, t, -1, headDim).transpose(0, 2, 1, 3);
    }

    private NDArray activate(NDArray x) {
        return switch (activation) {
            case SILU -> Ops.silu(x);
            case GELU_TANH -> Ops.geluNew(x);
            case RELU_SQUARED -> Ops.reluSquared(x);
            case GELU_ERF -> Ops.geluErf(x);
            case RELU -> x.maximum(0f);
        };
    }

    /** act(gate)·up when the layer has a gate (SwiGLU, GeGLU), else act(up) (GPT-2, StarCoder2, Nemotron); then down. */
    private NDArray mlp(int i, LayerArrays l, NDArray x, ForwardCapture capture) {
        NDArray up = Ops.linear(x, l.up(), l.upBias());
        NDArray inner;
        if (l.gate() != null) {
            NDArray gate = Ops.linear(x, l.gate(), l.gateBias());
            inner = activate(gate).mul(up);
        } else {
            inner = activate(up);
        }
        offer(capture, CaptureSite.FFN_INTERMEDIATE, i, inner);
        return Ops.linear(inner, l.down(), l.downBias());
    }

    private static void offer(ForwardCapture capture, CaptureSite site, int layer, NDArray value) {
        if (capture.wants(site, layer)) {
            capture.record(site, layer, value);
        }
    }
}
