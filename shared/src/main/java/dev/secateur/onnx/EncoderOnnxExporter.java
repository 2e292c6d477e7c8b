package dev.secateur.onnx;

import dev.secateur.checkpoint.Architecture;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.EncoderLayerWeights;
import dev.secateur.model.EncoderWeights;
import dev.secateur.onnx.GraphBuilder.ElemType;
import java.util.Map;

/**
 * The ONNX graph of a BERT-family encoder (BertModel), float32, opset 17:
 * <pre>
 *   inputs  input_ids, attention_mask, token_type_ids   int64 [batch, seq]
 *   outputs last_hidden_state   float [batch, seq, hidden]
 *           sentence_embedding  float [batch, hidden]   mean over real tokens, L2-normalised (sentence-transformers)
 * </pre>
 * Each layer's head count and FFN width come from its own weights, so a pruned encoder keeps its shape; a
 * layer whose heads (or FFN neurons) were all removed contributes only its output bias. Tokens are kept
 * flat, [batch·seq, hidden], between blocks so every projection is one Gemm (weights stored [out, in], transB).
 */
public final class EncoderOnnxExporter {
    /** Masked attention scores get torch.finfo(float32).min added, as Hugging Face does. */
    static final float MASKED = -Float.MAX_VALUE;
    public static final String POOLING = "secateur.pooling";
    public static final String NORMALIZE = "secateur.normalize";

    private final EncoderWeights w;
    private final GraphBuilder g = new GraphBuilder("secateur_encoder");
    private final int headDim;
    private final int hidden;
    private String batchSeq;
    private String maskBias;

    private EncoderOnnxExporter(EncoderWeights w) {
        this.w = w;
        this.headDim = w.headDim();
        this.hidden = w.hiddenSize();
    }

    public static GraphBuilder build(EncoderWeights weights) {
        if (weights.config().architecture() != Architecture.BERT) {
            throw new OnnxExportException("no ONNX encoder graph for architecture " + weights.config().architecture());
        }
        return new EncoderOnnxExporter(weights).graph();
    }

    private GraphBuilder graph() {
        String ids = g.input("input_ids", ElemType.INT64, "batch", "seq");
        String mask = g.input("attention_mask", ElemType.INT64, "batch", "seq");
        String types = g.input("token_type_ids", ElemType.INT64, "batch", "seq");
        g.output("last_hidden_state", ElemType.FLOAT, "batch", "seq", hidden);
        g.output("sentence_embedding", ElemType.FLOAT, "batch", hidden);

        batchSeq = g.node("Shape").in(ids).out();
        String seq = g.node("Squeeze").in(g.node("Shape").in(ids).attr("start", 1L).attr("end", 2L).out(), g.ints(0)).out();
        String positions = g.node("Range").in(g.scalarInt(0), seq, g.scalarInt(1)).out();
        String x = g.node("Gather").in(weight("embeddings.word_embeddings.weight", w.wordEmbedding()), ids).out();
        x = g.node("Add").in(x, g.node("Gather").in(weight("embeddings.token_type_embeddings.weight", w.tokenTypeEmbedding()), types).out()).out();
        x = g.node("Add").in(x, g.node("Gather").in(weight("embeddings.position_embeddings.weight", w.positionEmbedding()), positions).out()).out();
        x = layerNorm(g.node("Reshape").in(x, g.ints(-1, hidden)).out(), "embeddings.LayerNorm", w.embNorm(), w.embNormBias());

        String maskF = g.node("Cast").in(mask).attr("to", (long) ElemType.FLOAT.code()).out();
        String masked = g.node("Mul").in(g.node("Sub").in(g.scalar(1f, ElemType.FLOAT), maskF).out(), g.scalar(MASKED, ElemType.FLOAT)).out();
        maskBias = g.node("Unsqueeze").in(masked, g.ints(1, 2)).out(); // [batch, 1, 1, seq]

        for (int i = 0; i < w.layers().size(); i++) {
            x = layer(i, w.layers().get(i), x);
        }
        String h = g.node("Reshape").in(x, g.node("Concat").in(batchSeq, g.ints(hidden)).attr("axis", 0L).out()).outNamed("last_hidden_state");

        String m = g.node("Unsqueeze").in(maskF, g.ints(2)).out(); // [batch, seq, 1]
        String sum = g.node("ReduceSum").in(g.node("Mul").in(h, m).out(), g.ints(1)).attr("keepdims", 0L).out();
        String count = g.node("ReduceSum").in(m, g.ints(1)).attr("keepdims", 0L).out();
        String mean = g.node("Div").in(sum, g.node("Max").in(count, g.scalar(1e-9f, ElemType.FLOAT)).out()).out();
        String norm = g.node("Sqrt").in(g.node("ReduceSum").in(g.node("Mul").in(mean, mean).out(), g.ints(-1)).attr("keepdims", 1L).out()).out();
        g.node("Div").in(mean, g.node("Max").in(norm, g.scalar(1e-12f, ElemType.FLOAT)).out()).outNamed("sentence_embedding");
        return g;
    }

    /** Post-LN block: a = LN(x + attention(x)); y = LN(a + down(gelu(up(a)))). x is [batch·seq, hidden]. */
    private String layer(int i, EncoderLayerWeights l, String x) {
        String p = "encoder.layer." + i + ".";
        int heads = l.numHeads(headDim);
        String attn;
        if (heads == 0) {
            attn = weight(p + "attention.output.dense.bias", l.oBias());
        } else {
            String q = splitHeads(linear(x, p + "attention.self.query", l.q(), l.qBias()), heads, new long[] {0, 2, 1, 3});
            String k = splitHeads(linear(x, p + "attention.self.key", l.k(), l.kBias()), heads, new long[] {0, 2, 3, 1});
            String v = splitHeads(linear(x, p + "attention.self.value", l.v(), l.vBias()), heads, new long[] {0, 2, 1, 3});
            String scores = g.node("Mul").in(g.node("MatMul").in(q, k).out(), g.scalar((float) (1 / Math.sqrt(headDim)), ElemType.FLOAT)).out();
            String probs = g.node("Softmax").in(g.node("Add").in(scores, maskBias).out()).attr("axis", -1L).out();
            String ctx = g.node("Transpose").in(g.node("MatMul").in(probs, v).out()).attr("perm", new long[] {0, 2, 1, 3}).out();
            ctx = g.node("Reshape").in(ctx, g.ints(-1, (long) heads * headDim)).out();
            attn = linear(ctx, p + "attention.output.dense", l.o(), l.oBias());
        }
        String a = layerNorm(g.node("Add").in(x, attn).out(), p + "attention.output.LayerNorm", l.attnNorm(), l.attnNormBias());
        String ffn;
        if (l.ffnWidth() == 0) {
            ffn = weight(p + "output.dense.bias", l.downBias());
        } else {
            String up = linear(a, p + "intermediate.dense", l.up(), l.upBias());
            ffn = linear(gelu(up), p + "output.dense", l.down(), l.downBias());
        }
        return layerNorm(g.node("Add").in(a, ffn).out(), p + "output.LayerNorm", l.ffnNorm(), l.ffnNormBias());
    }

    /** [batch·seq, heads·headDim] → [batch, seq, heads, headDim] → transposed by perm. */
    private String splitHeads(String x, int heads, long[] perm) {
        String shape = g.node("Concat").in(batchSeq, g.ints(heads, headDim)).attr("axis", 0L).out();
        return g.node("Transpose").in(g.node("Reshape").in(x, shape).out()).attr("perm", perm).out();
    }

    /** The exact GELU BERT uses: 0.5·x·(1 + erf(x/√2)). */
    private String gelu(String x) {
        String erf = g.node("Erf").in(g.node("Div").in(x, g.scalar((float) Math.sqrt(2.0), ElemType.FLOAT)).out()).out();
        return g.node("Mul").in(g.node("Mul").in(x, g.scalar(0.5f, ElemType.FLOAT)).out(),
                g.node("Add").in(erf, g.scalar(1f, ElemType.FLOAT)).out()).out();
    }

    private String linear(String x, String name, Tensor weight, Tensor bias) {
        return g.node("Gemm").in(x, weight(name + ".weight", weight), weight(name + ".bias", bias)).attr("transB", 1L).out();
    }

    private String layerNorm(String x, String name, Tensor weight, Tensor bias) {
        return g.node("LayerNormalization").in(x, weight(name + ".weight", weight), weight(name + ".bias", bias))
                .attr("axis", -1L).attr("epsilon", (float) w.normEps()).out();
    }

    private String weight(String name, Tensor t) {
        return g.initializer(name, t, ElemType.FLOAT);
    }

    /** metadata_props of an encoder export (without caller-supplied entries). */
    public static Map<String, String> metadata(EncoderWeights w) {
        Map<String, String> m = ModelDescription.of(w).metadata();
        m.put(POOLING, "mean");
        m.put(NORMALIZE, "l2");
        return m;
    }
}
