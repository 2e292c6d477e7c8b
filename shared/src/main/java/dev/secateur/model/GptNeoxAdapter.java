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
 * GPTNeoXForCausalLM. Tensors live under gpt_neox. (embed_in, layers.N, final_layer_norm) beside embed_out, the head.
 * A block's attention.query_key_value interleaves q, k and v per head, as GPTNeoXAttention views it: for head h, rows
 * [3h·d, 3h·d + d) are its query, the next d its key, the next d its value. They are split on read into Llama's three
 * projections and interleaved again on write. attention.dense is o_proj; mlp.dense_h_to_4h and dense_4h_to_h are the
 * ungated MLP's up and down; input_layernorm feeds attention, post_attention_layernorm the MLP.
 */
final class GptNeoxAdapter extends OwnNamesAdapter {
    private static final String ROOT = "gpt_neox.";

    private final int headDim;

    /** The head_dim of the source config (hidden_size / num_attention_heads), which pruning never changes. */
    GptNeoxAdapter(ModelConfig config) {
        super(ROOT + "embed_in.weight", ROOT + "final_layer_norm", "embed_out", false, config);
        this.headDim = config.headDim();
    }

    /** Heads from attention.dense's columns (a pruned model's differ per layer), FFN neurons from dense_h_to_4h's rows. */
    @Override
    public LayerSizes layerSizes(Checkpoint ck, int i) {
        ModelConfig c = ck.config();
        int h = c.hiddenSize(), hd = c.headDim();
        String p = ROOT + "layers." + i + ".";
        int[] o = ck.shape(p + "attention.dense.weight");
        if (o.length != 2 || o[0] != h || o[1] == 0 || o[1] % hd != 0) {
            throw new CheckpointException(ck.dir() + ": tensor '" + p + "attention.dense.weight' has shape "
                    + Arrays.toString(o) + " but config.json implies [" + h + ", heads × " + hd + "]");
        }
        int heads = o[1] / hd;
        int qkvRows = LlamaAdapter.rows(ck, p + "attention.query_key_value.weight", h, hd);
        if (qkvRows != 3 * heads * hd) {
            throw new CheckpointException(ck.dir() + ": tensor '" + p + "attention.query_key_value.weight' has " + qkvRows
                    + " rows; with " + heads + " heads of " + hd + " (from attention.dense) it must hold 3 × heads × " + hd);
        }
        int[] up = ck.shape(p + "mlp.dense_h_to_4h.weight");
        if (up.length != 2 || up[1] != h || up[0] == 0) {
            throw new CheckpointException(ck.dir() + ": tensor '" + p + "mlp.dense_h_to_4h.weight' has shape "
                    + Arrays.toString(up) + " but config.json implies [ffn, " + h + "]");
        }
        return new LayerSizes(heads, heads, up[0]);
    }

    @Override
    public LayerWeights readLayer(Checkpoint ck, int i) {
        LayerSizes s = layerSizes(ck, i);
        int h = ck.config().hiddenSize(), hd = ck.config().headDim(), heads = s.heads(), f = s.ffn();
        String p = ROOT + "layers." + i + ".";
        Tensor qkv = ck.tensor(p + "attention.query_key_value.weight", 3 * heads * hd, h);
        Tensor qkvBias = LlamaAdapter.bias(ck, p + "attention.query_key_value.bias", 3 * heads * hd);
        return new LayerWeights(ck.tensor(p + "input_layernorm.weight", h), ck.tensor(p + "input_layernorm.bias", h),
                GroupedQkv.queries(qkv, hd, heads, 1), qkvBias == null ? null : GroupedQkv.queries(qkvBias, hd, heads, 1),
                GroupedQkv.keys(qkv, hd, heads, 1), qkvBias == null ? null : GroupedQkv.keys(qkvBias, hd, heads, 1),
                GroupedQkv.values(qkv, hd, heads, 1), qkvBias == null ? null : GroupedQkv.values(qkvBias, hd, heads, 1),
                ck.tensor(p + "attention.dense.weight", h, heads * hd), LlamaAdapter.bias(ck, p + "attention.dense.bias", h),
                ck.tensor(p + "post_attention_layernorm.weight", h), ck.tensor(p + "post_attention_layernorm.bias", h),
                null, null,
                ck.tensor(p + "mlp.dense_h_to_4h.weight", f, h), LlamaAdapter.bias(ck, p + "mlp.dense_h_to_4h.bias", f),
                ck.tensor(p + "mlp.dense_4h_to_h.weight", h, f), LlamaAdapter.bias(ck, p + "mlp.dense_4h_to_h.bias", h));
    }

    /** attention_bias switches every linear bias on (the MLP's too): absent ones are written as zeros then. */
    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias, boolean attentionBias) {
        boolean biases = mlpBias || attentionBias;
        String p = ROOT + "layers." + i + ".";
        Map<String, Tensor> out = new LinkedHashMap<>();
        LlamaAdapter.put(out, p + "input_layernorm", l.attnNorm(), l.attnNormBias());
        out.put(p + "attention.query_key_value.weight", GroupedQkv.join(l.q(), l.k(), l.v(), headDim));
        if (l.qBias() != null || biases) {
            out.put(p + "attention.query_key_value.bias", GroupedQkv.join(LlamaAdapter.orZeros(l.qBias(), l.q().dim(0), true),
                    LlamaAdapter.orZeros(l.kBias(), l.k().dim(0), true), LlamaAdapter.orZeros(l.vBias(), l.v().dim(0), true), headDim));
        }
        LlamaAdapter.put(out, p + "attention.dense", l.o(), LlamaAdapter.orZeros(l.oBias(), l.o().dim(0), biases));
        LlamaAdapter.put(out, p + "post_attention_layernorm", l.mlpNorm(), l.mlpNormBias());
        LlamaAdapter.put(out, p + "mlp.dense_h_to_4h", l.up(), LlamaAdapter.orZeros(l.upBias(), l.ffnWidth(), biases));
        LlamaAdapter.put(out, p + "mlp.dense_4h_to_h", l.down(), LlamaAdapter.orZeros(l.downBias(), l.down().dim(0), biases));
        return out;
    }

    @Override
    public ObjectNode config(ModelConfig source, List<LayerSizes> sizes, boolean mlpBias, int hiddenSize) {
        ObjectNode c = source.raw().deepCopy();
        c.put("num_hidden_layers", sizes.size());
        LayerSizes first = sizes.get(0);
        if (sizes.stream().distinct().count() == 1) {
            c.put("num_attention_heads", first.heads());
            c.put("intermediate_size", first.ffn());
        }
        if (mlpBias) {
            c.put("attention_bias", true);
        }
        LayerSizesJson.record(c, sizes);
        return c;
    }
}
