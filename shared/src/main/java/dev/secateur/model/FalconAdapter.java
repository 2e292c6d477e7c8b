package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FalconForCausalLM. Tensors live under transformer. (word_embeddings, h.N, ln_f) beside lm_head. A block's
 * self_attention.query_key_value holds q, k and v group by group, one group per key/value head (its query heads, then
 * its key, then its value), which covers FalconAttention's three layouts: multi-query (one group), one key and value
 * per query head, and the new decoder architecture's num_kv_heads groups. self_attention.dense is o_proj and
 * mlp.dense_h_to_4h / dense_4h_to_h the ungated MLP. The block's norms are input_layernorm alone (the parallel block, whose
 * MLP reads attention's normed input: mlpNorm is null), input_layernorm and post_attention_layernorm (the sequential
 * block), or ln_attn and ln_mlp (the new decoder architecture's two norms of the same input). One switch, bias, turns
 * every linear bias on, so when the written model has any, absent ones are written as zeros and bias is set.
 */
final class FalconAdapter extends OwnNamesAdapter {
    private static final String ROOT = "transformer.";

    private final int headDim;
    private final boolean parallel;
    private final boolean sourceBias;

    FalconAdapter(ModelConfig config) {
        super(ROOT + "word_embeddings.weight", ROOT + "ln_f", "lm_head", false, config);
        this.headDim = config.headDim();
        this.parallel = config.parallelResidual();
        this.sourceBias = config.attentionBias();
    }

    /** Heads from self_attention.dense's columns, key/value heads from the config, FFN neurons from dense_h_to_4h's rows. */
    @Override
    public LayerSizes layerSizes(Checkpoint ck, int i) {
        ModelConfig c = ck.config();
        int h = c.hiddenSize(), hd = c.headDim(), kv = c.numKvHeads();
        String p = ROOT + "h." + i + ".";
        int[] o = ck.shape(p + "self_attention.dense.weight");
        if (o.length != 2 || o[0] != h || o[1] == 0 || o[1] % (hd * kv) != 0) {
            throw new CheckpointException(ck.dir() + ": tensor '" + p + "self_attention.dense.weight' has shape "
                    + Arrays.toString(o) + " but config.json implies [" + h + ", heads × " + hd + "] with heads a multiple of " + kv);
        }
        int heads = o[1] / hd;
        int rows = LlamaAdapter.rows(ck, p + "self_attention.query_key_value.weight", h, hd);
        if (rows != (heads + 2 * kv) * hd) {
            throw new CheckpointException(ck.dir() + ": tensor '" + p + "self_attention.query_key_value.weight' has " + rows
                    + " rows; with " + heads + " query heads and " + kv + " key/value heads of " + hd + " it must hold "
                    + (heads + 2 * kv) * hd);
        }
        int[] up = ck.shape(p + "mlp.dense_h_to_4h.weight");
        if (up.length != 2 || up[1] != h || up[0] == 0) {
            throw new CheckpointException(ck.dir() + ": tensor '" + p + "mlp.dense_h_to_4h.weight' has shape "
                    + Arrays.toString(up) + " but config.json implies [ffn, " + h + "]");
        }
        return new LayerSizes(heads, kv, up[0]);
    }

    @Override
    public LayerWeights readLayer(Checkpoint ck, int i) {
        LayerSizes s = layerSizes(ck, i);
        int h = ck.config().hiddenSize(), f = s.ffn(), groups = s.kvHeads(), per = s.heads() / groups;
        String p = ROOT + "h." + i + ".";
        Tensor qkv = ck.tensor(p + "self_attention.query_key_value.weight", (s.heads() + 2 * groups) * headDim, h);
        Tensor qkvBias = LlamaAdapter.bias(ck, p + "self_attention.query_key_value.bias", (s.heads() + 2 * groups) * headDim);
        boolean two = ck.has(p + "ln_attn.weight");
        String attnNorm = two ? "ln_attn" : "input_layernorm";
        String mlpNorm = two ? "ln_mlp" : ck.has(p + "post_attention_layernorm.weight") ? "post_attention_layernorm" : null;
        if (mlpNorm == null && !parallel) {
            throw new CheckpointException(ck.dir() + ": layer " + i + " has no post_attention_layernorm, which a Falcon with "
                    + "parallel_attn false needs");
        }
        return new LayerWeights(ck.tensor(p + attnNorm + ".weight", h), ck.tensor(p + attnNorm + ".bias", h),
                GroupedQkv.queries(qkv, headDim, groups, per), qkvBias == null ? null : GroupedQkv.queries(qkvBias, headDim, groups, per),
                GroupedQkv.keys(qkv, headDim, groups, per), qkvBias == null ? null : GroupedQkv.keys(qkvBias, headDim, groups, per),
                GroupedQkv.values(qkv, headDim, groups, per), qkvBias == null ? null : GroupedQkv.values(qkvBias, headDim, groups, per),
                ck.tensor(p + "self_attention.dense.weight", h, s.heads() * headDim),
                LlamaAdapter.bias(ck, p + "self_attention.dense.bias", h),
                mlpNorm == null ? null : ck.tensor(p + mlpNorm + ".weight", h), mlpNorm == null ? null : ck.tensor(p + mlpNorm + ".bias", h),
                null, null,
                ck.tensor(p + "mlp.dense_h_to_4h.weight", f, h), LlamaAdapter.bias(ck, p + "mlp.dense_h_to_4h.bias", f),
                ck.tensor(p + "mlp.dense_4h_to_h.weight", h, f), LlamaAdapter.bias(ck, p + "mlp.dense_4h_to_h.bias", h));
    }

    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias, boolean attentionBias) {
        boolean biases = sourceBias || mlpBias || attentionBias; // a source with bias true states every one, zeros read as absent
        String p = ROOT + "h." + i + ".";
        Map<String, Tensor> out = new LinkedHashMap<>();
        boolean two = parallel && l.mlpNorm() != null;
        LlamaAdapter.put(out, p + (two ? "ln_attn" : "input_layernorm"), l.attnNorm(), l.attnNormBias());
        out.put(p + "self_attention.query_key_value.weight", GroupedQkv.join(l.q(), l.k(), l.v(), headDim));
        if (l.qBias() != null || biases) {
            out.put(p + "self_attention.query_key_value.bias", GroupedQkv.join(LlamaAdapter.orZeros(l.qBias(), l.q().dim(0), true),
                    LlamaAdapter.orZeros(l.kBias(), l.k().dim(0), true), LlamaAdapter.orZeros(l.vBias(), l.v().dim(0), true), headDim));
        }
        LlamaAdapter.put(out, p + "self_attention.dense", l.o(), LlamaAdapter.orZeros(l.oBias(), l.o().dim(0), biases));
        if (l.mlpNorm() != null) {
            LlamaAdapter.put(out, p + (two ? "ln_mlp" : "post_attention_layernorm"), l.mlpNorm(), l.mlpNormBias());
        }
        LlamaAdapter.put(out, p + "mlp.dense_h_to_4h", l.up(), LlamaAdapter.orZeros(l.upBias(), l.ffnWidth(), biases));
        LlamaAdapter.put(out, p + "mlp.dense_4h_to_h", l.down(), LlamaAdapter.orZeros(l.downBias(), l.down().dim(0), biases));
        return out;
    }

    @Override
    public String attentionBiasKey() {
        return "bias";
    }

    /** FalconConfig's keys: num_hidden_layers, ffn_hidden_size when every layer keeps the same width, bias. */
    @Override
    public ObjectNode config(ModelConfig source, List<LayerSizes> sizes, boolean mlpBias, int hiddenSize) {
        ObjectNode c = source.raw().deepCopy();
        c.put(c.has("num_hidden_layers") || !c.has("n_layer") ? "num_hidden_layers" : "n_layer", sizes.size());
        if (sizes.stream().distinct().count() == 1) {
            c.put("ffn_hidden_size", sizes.get(0).ffn());
        }
        if (mlpBias) {
            c.put("bias", true);
        }
        LayerSizesJson.record(c, sizes);
        return c;
    }
}
