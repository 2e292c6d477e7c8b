package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM and Qwen3ForCausalLM: the same block and tensor names; Qwen2
 * adds q/k/v biases, Qwen3 a per-head RMSNorm on queries and keys (self_attn.q_norm / k_norm, [head_dim] each);
 * StableLM gives every norm a bias (LayerNorms), read and written whatever its values, since it decides the norm's kind.
 */
final class LlamaAdapter implements ArchitectureAdapter {

    @Override
    public Embeddings readEmbeddings(Checkpoint ck) {
        ModelConfig c = ck.config();
        return new Embeddings(ck.tensor("model.embed_tokens.weight", c.vocabSize(), c.hiddenSize()), null);
    }

    @Override
    public String tokenEmbeddingName(Checkpoint ck) {
        return "model.embed_tokens.weight";
    }

    @Override
    public String lmHeadName(Checkpoint ck) {
        return tied(ck) ? tokenEmbeddingName(ck) : "lm_head.weight";
    }

    @Override
    public LayerSizes layerSizes(Checkpoint ck, int i) {
        return layerSizes(ck, i, "mlp.up_proj.weight");
    }

    /** Heads from q_proj and k_proj, FFN neurons from the rows of {@code upName} (Llama's up_proj, StarCoder2's c_fc). */
    static LayerSizes layerSizes(Checkpoint ck, int i, String upName) {
        ModelConfig c = ck.config();
        int h = c.hiddenSize(), hd = c.headDim();
        String p = "model.layers." + i + ".";
        int qRows = rows(ck, p + "self_attn.q_proj.weight", h, hd);
        int kvRows = rows(ck, p + "self_attn.k_proj.weight", h, hd);
        if (qRows == 0 || kvRows == 0 || (qRows / hd) % (kvRows / hd) != 0) {
            throw new CheckpointException(ck.dir() + ": layer " + i + " has " + qRows / hd + " query heads and "
                    + kvRows / hd + " key/value heads; query heads must be a positive multiple of key/value heads");
        }
        int[] up = ck.shape(p + upName);
        if (up.length != 2 || up[1] != h) {
            throw new CheckpointException(ck.dir() + ": tensor '" + p + upName + "' has shape " + java.util.Arrays.toString(up)
                    + " but config.json implies [ffn, " + h + "]");
        }
        return new LayerSizes(qRows / hd, kvRows / hd, up[0]);
    }

    @Override
    public LayerWeights readLayer(Checkpoint ck, int i) {
        BlockShape b = BlockShape.of(ck, layerSizes(ck, i), i);
        int h = b.hidden(), qRows = b.qRows(), kvRows = b.kvRows(), ffn = b.ffn(), hd = ck.config().headDim();
        String p = b.prefix();
        boolean spans = ck.config().architecture().qkNormSpansHeads();
        boolean layerNorms = ck.config().architecture().usesLayerNorm();
        boolean gated = ck.config().architecture().hasGatedMlp(); // Nemotron's MLP is up and down only
        return new LayerWeights(
                ck.config().architecture().hasPreNorms() ? ck.tensor(p + "input_layernorm.weight", h) : null,
                layerNorms ? ck.tensor(p + "input_layernorm.bias", h) : null,
                ck.tensor(p + "self_attn.q_proj.weight", qRows, h), bias(ck, p + "self_attn.q_proj.bias", qRows),
                ck.tensor(p + "self_attn.k_proj.weight", kvRows, h), bias(ck, p + "self_attn.k_proj.bias", kvRows),
                ck.tensor(p + "self_attn.v_proj.weight", kvRows, h), bias(ck, p + "self_attn.v_proj.bias", kvRows),
                ck.tensor(p + "self_attn.o_proj.weight", h, qRows), bias(ck, p + "self_attn.o_proj.bias", h),
                ck.tensor(p + "post_attention_layernorm.weight", h),
                layerNorms ? ck.tensor(p + "post_attention_layernorm.bias", h) : null,
                gated ? ck.tensor(p + "mlp.gate_proj.weight", ffn, h) : null, gated ? bias(ck, p + "mlp.gate_proj.bias", ffn) : null,
                ck.tensor(p + "mlp.up_proj.weight", ffn, h), bias(ck, p + "mlp.up_proj.bias", ffn),
                ck.tensor(p + "mlp.down_proj.weight", h, ffn), bias(ck, p + "mlp.down_proj.bias", h),
                qkNorm(ck, p + "self_attn.q_norm.weight", spans ? qRows : hd),
                qkNorm(ck, p + "self_attn.k_norm.weight", spans ? kvRows : hd));
    }

    /** Qwen3's query/key norm: required there (a missing one is a broken checkpoint), absent elsewhere. */
    private static Tensor qkNorm(Checkpoint ck, String name, int headDim) {
        return ck.config().architecture().hasQkNorm() ? ck.tensor(name, headDim) : null;
    }

    @Override
    public Head readHead(Checkpoint ck, boolean withLmHead) {
        ModelConfig c = ck.config();
        Tensor norm = ck.tensor("model.norm.weight", c.hiddenSize());
        Tensor normBias = c.architecture().usesLayerNorm() ? ck.tensor("model.norm.bias", c.hiddenSize()) : null;
        return new Head(norm, normBias, tied(ck) || !withLmHead ? null : ck.tensor("lm_head.weight", c.vocabSize(), c.hiddenSize()));
    }

    @Override
    public boolean tied(Checkpoint ck) {
        return ck.config().tieWordEmbeddings() || !ck.has("lm_head.weight");
    }

    /** The row count of a [rows, hidden] projection, checked against the config. */
    static int rows(Checkpoint ck, String name, int hidden, int headDim) {
        int[] s = ck.shape(name);
        if (s.length != 2 || s[1] != hidden || s[0] % headDim != 0) {
            throw new CheckpointException(ck.dir() + ": tensor '" + name + "' has shape " + java.util.Arrays.toString(s)
                    + " but config.json implies [heads × " + headDim + ", " + hidden + "]");
        }
        return s[0];
    }

    /**
     * An optional bias; an all-zero one reads as absent, because Hugging Face's mlp_bias / attention_bias switch on
     * every bias of a kind at once and a pruned checkpoint stores zeros for those that compensation did not set.
     */
    static Tensor bias(Checkpoint ck, String name, int size) {
        if (!ck.has(name)) {
            return null;
        }
        Tensor b = ck.tensor(name, size);
        for (float v : b.data()) {
            if (v != 0f) {
                return b;
            }
        }
        return null;
    }

    @Override
    public Map<String, Tensor> writeEmbeddings(Embeddings e) {
        return Map.of("model.embed_tokens.weight", e.tokens());
    }

    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias) {
        return writeLayer(i, l, mlpBias, false);
    }

    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias, boolean attentionBias) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        String p = "model.layers." + i + ".";
        if (l.attnNorm() != null) {
            put(out, p + "input_layernorm", l.attnNorm(), l.attnNormBias());
        }
        // Llama's attention_bias switches all four attention biases on at once, so absent ones are written as zeros
        put(out, p + "self_attn.q_proj", l.q(), orZeros(l.qBias(), l.q().dim(0), attentionBias));
        put(out, p + "self_attn.k_proj", l.k(), orZeros(l.kBias(), l.k().dim(0), attentionBias));
        put(out, p + "self_attn.v_proj", l.v(), orZeros(l.vBias(), l.v().dim(0), attentionBias));
        if (l.qNorm() != null) {
            out.put(p + "self_attn.q_norm.weight", l.qNorm());
            out.put(p + "self_attn.k_norm.weight", l.kNorm());
        }
        put(out, p + "self_attn.o_proj", l.o(), orZeros(l.oBias(), l.o().dim(0), attentionBias));
        put(out, p + "post_attention_layernorm", l.mlpNorm(), l.mlpNormBias());
        // Hugging Face's mlp_bias switches on all three MLP biases at once, so absent ones are written as zeros.
        if (l.gate() != null) {
            put(out, p + "mlp.gate_proj", l.gate(), orZeros(l.gateBias(), l.ffnWidth(), mlpBias));
        }
        put(out, p + "mlp.up_proj", l.up(), orZeros(l.upBias(), l.ffnWidth(), mlpBias));
        put(out, p + "mlp.down_proj", l.down(), orZeros(l.downBias(), l.down().dim(0), mlpBias));
        return out;
    }

    @Override
    public Map<String, Tensor> writeHead(Head h) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        put(out, "model.norm", h.norm(), h.normBias());
        if (h.lmHead() != null) {
            out.put("lm_head.weight", h.lmHead());
        }
        return out;
    }

    /** The bias, or zeros of that size where a switch turns every bias of its kind on and this one is absent. */
    static Tensor orZeros(Tensor bias, int size, boolean needed) {
        return bias != null || !needed ? bias : Tensor.zeros(size);
    }

    static void put(Map<String, Tensor> out, String prefix, Tensor weight, Tensor bias) {
        out.put(prefix + ".weight", weight);
        if (bias != null) {
            out.put(prefix + ".bias", bias);
        }
    }

    @Override
    public ObjectNode config(ModelConfig source, List<LayerSizes> sizes, boolean mlpBias, int hiddenSize) {
        ObjectNode c = source.raw().deepCopy();
        c.put("num_hidden_layers", sizes.size());
        c.put("hidden_size", hiddenSize);
        // explicit, because hidden_size / num_attention_heads no longer gives it once heads or channels are removed
        c.put("head_dim", source.headDim());
        if (sizes.stream().distinct().count() == 1) {
            // a uniform model is a plain Hugging Face config: the global sizes are every layer's
            LayerSizes s = sizes.get(0);
            c.put("num_attention_heads", s.heads());
            c.put("num_key_value_heads", s.kvHeads());
            c.put("intermediate_size", s.ffn());
        }
        if (mlpBias) {
            c.put("mlp_bias", true);
        }
        LayerSizesJson.record(c, sizes);
        return c;
    }
}
