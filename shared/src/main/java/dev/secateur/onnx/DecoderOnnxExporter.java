package dev.secateur.onnx;

import dev.secateur.checkpoint.Architecture;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.DecoderSource;
import dev.secateur.model.LayerWeights;
import dev.secateur.onnx.GraphBuilder.ElemType;

/**
 * Builds the ONNX graph of a decoder-only language model with a key/value cache, from weights in the
 * canonical layout, with the Hugging Face forward's semantics.
 *
 * <p>Graph I/O (names as Hugging Face's ONNX exports use them):
 * <ul>
 * <li>inputs {@code input_ids} int64 [batch, seq], {@code attention_mask} int64 [batch, total] (total = past + seq),
 *     {@code position_ids} int64 [batch, seq], {@code past_key_values.{i}.key|value} [batch, kvHeads_i, past, headDim];</li>
 * <li>outputs {@code logits} float32 [batch, seq, vocab], {@code present.{i}.key|value} [batch, kvHeads_i, total, headDim].</li>
 * </ul>
 * Every layer takes its head counts and FFN width from its own weights, so a pruned model with different sizes
 * per layer exports as it is.
 *
 * <p>Precision: fp32 by default. With fp16, weights are stored as FLOAT16 and the graph computes in fp16, like a
 * half-precision Hugging Face model, except where HF upcasts: RMSNorm's statistics and the attention softmax run in
 * fp32, and logits are cast to fp32. The key/value cache is then FLOAT16 too.
 *
 * <p>Layout choices: the hidden stream is kept 2-D ([batch·seq, hidden]) so every linear layer is one
 * {@code Gemm(x, W, b, transB=1)} over the weight as stored ([out, in], shared with the embedding when tied);
 * grouped-query attention reshapes the queries of one KV group into one matrix ([batch, kv, group·seq, headDim])
 * instead of repeating keys and values; the padding mask and causality are combined into one boolean
 * [batch, 1, seq, total] mask applied with {@code Where}.
 */
public final class DecoderOnnxExporter {
    /** A large finite negative for masked scores (torch.finfo(float32).min, what Hugging Face uses). */
    static final float MASKED = -Float.MAX_VALUE;

    private final DecoderSource w;
    private final ModelConfig c;
    private final boolean fp16;
    private final ElemType ct;
    private final GraphBuilder g;
    private final int headDim;
    /** The MLP activation (its gate's, where it has one). */
    private final ModelConfig.Activation activation;
    /** The rotated leading dimensions of each head (all of them but with a partial rotary factor). */
    private final int rotaryDim;
    // Shared values computed once per graph.
    private String batchSeq;   // int64 [2] = [batch, seq]
    private String allowed;    // bool [batch, 1, seq, total]
    private String windowed;   // the same within the sliding window, for the windowed layers
    private String[] rotary;   // cos, sin [batch, 1, seq, rotaryDim] in the compute type
    private String[] localRotary; // Gemma 3's sliding layers' tables (rope_local_base_freq)

    private DecoderOnnxExporter(DecoderSource w, boolean fp16, ExternalData external) {
        this.w = w;
        this.g = new GraphBuilder("secateur_decoder", external);
        this.c = w.config();
        this.fp16 = fp16;
        this.ct = fp16 ? ElemType.FLOAT16 : ElemType.FLOAT;
        this.headDim = w.headDim();
        this.activation = c.mlpActivation();
        this.rotaryDim = c.rotaryDim();
    }

    /** The decoder graph for these weights; fp16 stores weights and computes in half precision (see class notes). */
    public static GraphBuilder build(DecoderSource weights, boolean fp16) {
        return build(weights, fp16, null);
    }

    /**
     * Streams: blocks are read from {@code weights} one at a time and each weight goes to {@code external} as soon as
     * it is added, so the export holds one block, whatever the model's size.
     */
    public static GraphBuilder build(DecoderSource weights, boolean fp16, ExternalData external) {
        Architecture a = weights.config().architecture();
        if (!a.isLlamaFamily() && a != Architecture.GPT2 && a != Architecture.OPT) {
            throw new OnnxExportException("no ONNX decoder graph for architecture " + a);
        }
        return new DecoderOnnxExporter(weights, fp16, external).graph();
    }

    private GraphBuilder graph() {
        String ids = g.input("input_ids", ElemType.INT64, "batch", "seq");
        String mask = g.input("attention_mask", ElemType.INT64, "batch", "total");
        String pos = g.input("position_ids", ElemType.INT64, "batch", "seq");
        int n = w.numLayers();
        String[] pastK = new String[n];
        String[] pastV = new String[n];
        for (int i = 0; i < n; i++) {
            int kv = w.layerSizes(i).kvHeads();
            pastK[i] = g.input("past_key_values." + i + ".key", ct, "batch", kv, "past", headDim);
            pastV[i] = g.input("past_key_values." + i + ".value", ct, "batch", kv, "past", headDim);
        }
        g.output("logits", ElemType.FLOAT, "batch", "seq", c.vocabSize());
        for (int i = 0; i < n; i++) {
            int kv = w.layerSizes(i).kvHeads();
            g.output("present." + i + ".key", ct, "batch", kv, "total", headDim);
            g.output("present." + i + ".value", ct, "batch", kv, "total", headDim);
        }

        batchSeq = g.node("Shape").in(ids).out();
        int hidden = c.hiddenSize();
        String wte = weight("embed_tokens.weight", w.tokenEmbedding());
        String x = g.node("Gather").in(wte, ids).out();
        x = g.node("Reshape").in(x, g.ints(-1, hidden)).out();
        if (c.embeddingScale() != 1.0) {
            x = g.node("Mul").in(x, g.scalar((float) c.embeddingScale(), ct)).out(); // Gemma: × √hidden; Granite: × embedding_multiplier
        }
        Tensor positions = w.positionEmbedding();
        if (positions != null) {
            String wpe = weight("embed_positions.weight", positions);
            // OPT's table keeps two rows before position 0
            String row = c.positionOffset() == 0 ? pos : g.node("Add").in(pos, g.ints(c.positionOffset())).out();
            String pe = g.node("Gather").in(wpe, row).out();
            x = g.node("Add").in(x, g.node("Reshape").in(pe, g.ints(-1, hidden)).out()).out();
        }
        buildMask(ids, mask, pos);
        if (c.usesRope()) {
            rotary = rotaryTables(pos, "rope", c.ropeTheta(), c.ropeScaling());
            if (c.hasLocalRotary()) {
                localRotary = rotaryTables(pos, "rope_local", c.localRopeTheta(), null);
            }
        }
        for (int i = 0; i < n; i++) {
            x = layer(i, w.layer(i), x, pastK[i], pastV[i]);
        }
        String h = norm(x, "norm", w.finalNorm(), w.finalNormBias());
        String lmHead = w.tied() ? wte : weight("lm_head.weight", w.lmHead());
        String logits = w.lmHeadBias() == null ? g.node("Gemm").in(h, lmHead).attr("transB", 1L).out()
                : g.node("Gemm").in(h, lmHead, weight("lm_head.bias", w.lmHeadBias())).attr("transB", 1L).out(); // Phi
        if (fp16) {
            logits = g.node("Cast").in(logits).attr("to", (long) ElemType.FLOAT.code()).out();
        }
        if (c.logitsScaling() != 1.0) {
            logits = g.node("Div").in(logits, g.scalar((float) c.logitsScaling(), ElemType.FLOAT)).out(); // Granite
        }
        if (c.finalSoftcap() > 0) {
            logits = softcap(logits, c.finalSoftcap());
        }
        String shape = g.node("Concat").in(batchSeq, g.ints(c.vocabSize())).attr("axis", 0L).out();
        g.node("Reshape").in(logits, shape).outNamed("logits");
        return g;
    }

    /**
     * allowed[b, 0, t, j] = attention_mask[b, j] != 0 and j ≤ past + t: padding combined with causality; windowed also
     * needs position_ids[b, t] − (position of key j) &lt; window, a key's position being the count of unmasked
     * entries before it, so that rows padded anywhere in the cache (the batcher right-aligns them) keep their window.
     */
    private void buildMask(String ids, String mask, String pos) {
        String total = g.node("Shape").in(mask).attr("start", 1L).attr("end", 2L).out();
        String seq = g.node("Shape").in(ids).attr("start", 1L).attr("end", 2L).out();
        String past = g.node("Sub").in(total, seq).out();
        String totalS = g.node("Squeeze").in(total, g.ints(0)).out();
        String pastS = g.node("Squeeze").in(past, g.ints(0)).out();
        String keyIdx = g.node("Range").in(g.scalarInt(0), totalS, g.scalarInt(1)).out();
        String queryIdx = g.node("Range").in(pastS, totalS, g.scalarInt(1)).out();
        String causal = g.node("LessOrEqual")
                .in(g.node("Unsqueeze").in(keyIdx, g.ints(0)).out(), g.node("Unsqueeze").in(queryIdx, g.ints(1)).out()).out();
        String pad = g.node("Cast").in(mask).attr("to", (long) ElemType.BOOL.code()).out();
        pad = g.node("Unsqueeze").in(pad, g.ints(1, 2)).out();
        allowed = g.node("And").in(causal, pad).out();
        Integer window = null;
        for (int i = 0; i < w.numLayers(); i++) {
            window = c.windowOf(i) != null ? c.windowOf(i) : window;
        }
        if (window != null) {
            String keyPos = g.node("Sub").in(g.node("CumSum").in(mask, g.scalarInt(1)).out(), g.scalarInt(1)).out();
            String distance = g.node("Sub").in(g.node("Unsqueeze").in(pos, g.ints(1, 3)).out(),
                    g.node("Unsqueeze").in(keyPos, g.ints(1, 2)).out()).out(); // [batch, 1, seq, total]
            String inWindow = g.node("Less").in(distance, g.scalarInt(window)).out();
            windowed = g.node("And").in(allowed, inWindow).out();
        }
    }

    /**
     * cos/sin [batch, 1, seq, rotaryDim] from position_ids, in fp32 as Hugging Face computes them (times longrope's
     * attention factor).
     */
    private String[] rotaryTables(String pos, String name, double theta, dev.secateur.checkpoint.RopeScaling scaling) {
        int rotary = rotaryDim;
        double[] inv = new double[rotary / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(theta, (2.0 * i) / rotary);
        }
        if (scaling != null) {
            inv = scaling.apply(inv);
        }
        float[] invF = new float[inv.length];
        for (int i = 0; i < inv.length; i++) {
            invF[i] = (float) inv[i];
        }
        String invFreq = g.initializer(name + ".inv_freq", new int[] {invF.length}, invF, ElemType.FLOAT);
        String p = g.node("Cast").in(pos).attr("to", (long) ElemType.FLOAT.code()).out();
        p = g.node("Unsqueeze").in(p, g.ints(2)).out();
        String freqs = g.node("Mul").in(p, invFreq).out();
        String emb = g.node("Concat").in(freqs, freqs).attr("axis", -1L).out();
        emb = g.node("Unsqueeze").in(emb, g.ints(1)).out();
        String cos = g.node("Cos").in(emb).out();
        String sin = g.node("Sin").in(emb).out();
        double attention = scaling == null ? 1.0 : scaling.attentionFactor();
        if (attention != 1.0) {
            cos = g.node("Mul").in(cos, g.scalar((float) attention, ElemType.FLOAT)).out();
            sin = g.node("Mul").in(sin, g.scalar((float) attention, ElemType.FLOAT)).out();
        }
        if (fp16) {
            cos = g.node("Cast").in(cos).attr("to", (long) ct.code()).out();
            sin = g.node("Cast").in(sin).attr("to", (long) ct.code()).out();
        }
        return new String[] {cos, sin};
    }

    /**
     * x·cos + rotate_half(x)·sin with rotate_half(x) = [−x₂, x₁], the halves of the rotated dimensions; with a partial
     * rotary factor only the leading rotaryDim dimensions of the head turn and the rest are appended as they are.
     */
    private String rope(String x, String[] table) {
        String cos = table[0], sin = table[1];
        int rotary = rotaryDim;
        String pass = null;
        if (rotary < headDim) {
            String[] parts = g.node("Split").in(x, g.ints(rotary, headDim - rotary)).attr("axis", -1L).outs(2);
            x = parts[0];
            pass = parts[1];
        }
        String[] halves = g.node("Split").in(x, g.ints(rotary / 2, rotary / 2)).attr("axis", -1L).outs(2);
        String rot = g.node("Concat").in(g.node("Neg").in(halves[1]).out(), halves[0]).attr("axis", -1L).out();
        String turned = g.node("Add").in(g.node("Mul").in(x, cos).out(), g.node("Mul").in(rot, sin).out()).out();
        return pass == null ? turned : g.node("Concat").in(turned, pass).attr("axis", -1L).out();
    }

    private String layer(int i, LayerWeights l, String x, String pastK, String pastV) {
        String p = "layers." + i + ".";
        int heads = l.numHeads(headDim);
        int kv = l.numKvHeads(headDim);
        if (heads == 0 || kv == 0 || heads % kv != 0) {
            throw new OnnxExportException("layer " + i + " has " + heads + " query heads and " + kv
                    + " key/value heads; query heads must be a positive multiple of key/value heads");
        }
        int group = heads / kv;

        // Attention.
        String h = norm(x, p + "attn_norm", l.attnNorm(), l.attnNormBias());
        String qRows = linear(h, p + "q", l.q(), l.qBias()), kRows = linear(h, p + "k", l.k(), l.kBias());
        boolean spans = l.qkNormSpansHeads();
        if (spans) {
            // OLMo 2: one RMSNorm over all query heads together ([b, seq, heads·d]), one over all key heads, before RoPE
            qRows = norm(qRows, p + "q_norm", l.qNorm(), null);
            kRows = norm(kRows, p + "k_norm", l.kNorm(), null);
        }
        String q = heads(qRows, heads);
        String k = heads(kRows, kv);
        String v = heads(linear(h, p + "v", l.v(), l.vBias()), kv);
        if (l.qNorm() != null && !spans) {
            // Qwen3, Gemma 3: RMSNorm over head_dim of every query and key head, before RoPE ([b, n, seq, d]: the last axis)
            q = norm(q, p + "q_norm", l.qNorm(), null);
            k = norm(k, p + "k_norm", l.kNorm(), null);
        }
        if (c.rotates(i)) {
            String[] table = c.localRotary(i) ? localRotary : rotary;
            q = rope(q, table);
            k = rope(k, table);
        }
        String presentK = g.node("Concat").in(pastK, k).attr("axis", 2L).outNamed("present." + i + ".key");
        String presentV = g.node("Concat").in(pastV, v).attr("axis", 2L).outNamed("present." + i + ".value");
        q = g.node("Mul").in(q, g.scalar((float) c.attentionScale(), ct)).out();
        if (group > 1) {
            q = g.node("Reshape").in(q, g.ints(0, kv, -1, headDim)).out(); // [b, kv, group·seq, d]
        }
        String kT = g.node("Transpose").in(presentK).attr("perm", new long[] {0, 1, 3, 2}).out();
        String scores = g.node("MatMul").in(q, kT).out();
        if (group > 1) {
            scores = g.node("Reshape").in(scores, g.ints(0, heads, -1, 0)).out(); // [b, heads, seq, total]
        }
        if (fp16) {
            scores = g.node("Cast").in(scores).attr("to", (long) ElemType.FLOAT.code()).out();
        }
        if (c.attentionSoftcap() > 0) {
            scores = softcap(scores, c.attentionSoftcap()); // Gemma 2: before the mask, as Hugging Face does
        }
        scores = g.node("Where").in(c.windowOf(i) != null ? windowed : allowed, scores, g.scalar(MASKED, ElemType.FLOAT)).out();
        String probs = g.node("Softmax").in(scores).attr("axis", -1L).out();
        if (fp16) {
            probs = g.node("Cast").in(probs).attr("to", (long) ct.code()).out();
        }
        if (group > 1) {
            probs = g.node("Reshape").in(probs, g.ints(0, kv, -1, 0)).out();
        }
        String ctx = g.node("MatMul").in(probs, presentV).out();
        if (group > 1) {
            ctx = g.node("Reshape").in(ctx, g.ints(0, heads, -1, headDim)).out();
        }
        ctx = g.node("Transpose").in(ctx).attr("perm", new long[] {0, 2, 1, 3}).out();
        ctx = g.node("Reshape").in(ctx, g.ints(-1, (long) heads * headDim)).out();
        String attn = linear(ctx, p + "o", l.o(), l.oBias());
        if (l.postAttnNorm() != null) {
            attn = norm(attn, p + "post_attn_norm", l.postAttnNorm(), null);
        }
        String blockInput = x;
        x = g.node("Add").in(x, residual(attn)).out();

        // MLP: GPT-NeoX's parallel block reads the block input, every other block the attention's result.
        // Phi's parallel block has one norm: the MLP reads what attention read
        h = c.parallelResidual() && l.mlpNorm() == null ? h
                : norm(c.parallelResidual() ? blockInput : x, p + "mlp_norm", l.mlpNorm(), l.mlpNormBias());
        String act;
        if (l.gated()) {
            String gate = linear(h, p + "gate", l.gate(), l.gateBias());
            String up = linear(h, p + "up", l.up(), l.upBias());
            act = g.node("Mul").in(activate(gate), up).out();
        } else {
            act = activate(linear(h, p + "up", l.up(), l.upBias()));
        }
        String mlp = linear(act, p + "down", l.down(), l.downBias());
        if (l.postMlpNorm() != null) {
            mlp = norm(mlp, p + "post_mlp_norm", l.postMlpNorm(), null);
        }
        return g.node("Add").in(x, residual(mlp)).out();
    }

    /** A block's update as it joins the residual stream: × Granite's residual_multiplier. */
    private String residual(String update) {
        double r = c.residualMultiplier();
        return r == 1.0 ? update : g.node("Mul").in(update, g.scalar((float) r, ct)).out();
    }

    /** cap·tanh(x / cap), in the type x has. */
    private String softcap(String x, double cap) {
        String t = g.node("Tanh").in(g.node("Mul").in(x, g.scalar((float) (1.0 / cap), ElemType.FLOAT)).out()).out();
        return g.node("Mul").in(t, g.scalar((float) cap, ElemType.FLOAT)).out();
    }

    /** [batch·seq, n·d] → [batch, n, seq, d]. */
    private String heads(String x, int n) {
        String shape = g.node("Concat").in(batchSeq, g.ints(n, headDim)).attr("axis", 0L).out();
        x = g.node("Reshape").in(x, shape).out();
        return g.node("Transpose").in(x).attr("perm", new long[] {0, 2, 1, 3}).out();
    }

    private String linear(String x, String name, Tensor weight, Tensor bias) {
        String wName = weight(name + ".weight", weight);
        if (bias == null) {
            return g.node("Gemm").in(x, wName).attr("transB", 1L).out();
        }
        return g.node("Gemm").in(x, wName, weight(name + ".bias", bias)).attr("transB", 1L).out();
    }

    /** gelu_new(x) = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    private String activate(String x) {
        return switch (activation) {
            case SILU -> g.node("Mul").in(x, g.node("Sigmoid").in(x).out()).out();
            case GELU_TANH -> geluNew(x);
            case RELU_SQUARED -> {
                String r = g.node("Relu").in(x).out();
                yield g.node("Mul").in(r, r).out();
            }
            case GELU_ERF -> geluErf(x);
            case RELU -> g.node("Relu").in(x).out();
        };
    }

    /** 0.5·x·(1 + erf(x/√2)), in float32 (Erf has no float16 kernel on every execution provider), cast back with fp16. */
    private String geluErf(String x) {
        String xf = fp16 ? g.node("Cast").in(x).attr("to", (long) ElemType.FLOAT.code()).out() : x;
        String erf = g.node("Erf").in(g.node("Div").in(xf, g.scalar((float) Math.sqrt(2.0), ElemType.FLOAT)).out()).out();
        String y = g.node("Mul").in(g.node("Mul").in(xf, g.node("Add").in(erf, g.scalar(1f, ElemType.FLOAT)).out()).out(),
                g.scalar(0.5f, ElemType.FLOAT)).out();
        return fp16 ? g.node("Cast").in(y).attr("to", (long) ct.code()).out() : y;
    }

    private String geluNew(String x) {
        String x3 = g.node("Mul").in(g.node("Mul").in(x, x).out(), x).out();
        String inner = g.node("Add").in(x, g.node("Mul").in(x3, g.scalar(0.044715f, ct)).out()).out();
        inner = g.node("Mul").in(inner, g.scalar((float) Math.sqrt(2.0 / Math.PI), ct)).out();
        String t = g.node("Add").in(g.node("Tanh").in(inner).out(), g.scalar(1f, ct)).out();
        return g.node("Mul").in(g.node("Mul").in(x, g.scalar(0.5f, ct)).out(), t).out();
    }

    /** LayerNorm with bias (GPT-2) or RMSNorm (Llama family; statistics in fp32 as Hugging Face does). */
    /** No weight: no norm (OLMo 2 has none before attention or the MLP). */
    private String norm(String x, String name, Tensor weight, Tensor bias) {
        if (weight == null) {
            return x;
        }
        String wName = weight(name + ".weight", weight);
        if (bias != null) {
            return g.node("LayerNormalization").in(x, wName, weight(name + ".bias", bias))
                    .attr("axis", -1L).attr("epsilon", (float) c.normEps()).out();
        }
        String xf = fp16 ? g.node("Cast").in(x).attr("to", (long) ElemType.FLOAT.code()).out() : x;
        String var = g.node("ReduceMean").in(g.node("Pow").in(xf, g.scalar(2f, ElemType.FLOAT)).out())
                .attr("axes", new long[] {-1}).attr("keepdims", 1L).out();
        String den = g.node("Sqrt").in(g.node("Add").in(var, g.scalar((float) c.normEps(), ElemType.FLOAT)).out()).out();
        String y = g.node("Div").in(xf, den).out();
        if (fp16) {
            y = g.node("Cast").in(y).attr("to", (long) ct.code()).out();
        }
        return g.node("Mul").in(y, wName).out();
    }

    private String weight(String name, Tensor t) {
        return g.initializer(name, t, ct);
    }
}
