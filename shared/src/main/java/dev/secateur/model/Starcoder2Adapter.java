package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starcoder2ForCausalLM: Llama's attention names, LayerNorms (weight and bias), and an ungated MLP stored as mlp.c_fc
 * (the up projection, [ffn, hidden]) and mlp.c_proj (the down projection, [hidden, ffn]). One switch, use_bias, turns
 * every linear bias on at once, so when the written model has any bias, absent ones are written as zeros and use_bias
 * is set.
 */
final class Starcoder2Adapter extends LlamaVariantAdapter {

    @Override
    public LayerSizes layerSizes(Checkpoint ck, int i) {
        return LlamaAdapter.layerSizes(ck, i, "mlp.c_fc.weight");
    }

    @Override
    public LayerWeights readLayer(Checkpoint ck, int i) {
        BlockShape b = BlockShape.of(ck, layerSizes(ck, i), i);
        int h = b.hidden(), q = b.qRows(), kv = b.kvRows(), f = b.ffn();
        String p = b.prefix();
        return new LayerWeights(ck.tensor(p + "input_layernorm.weight", h), ck.tensor(p + "input_layernorm.bias", h),
                ck.tensor(p + "self_attn.q_proj.weight", q, h), LlamaAdapter.bias(ck, p + "self_attn.q_proj.bias", q),
                ck.tensor(p + "self_attn.k_proj.weight", kv, h), LlamaAdapter.bias(ck, p + "self_attn.k_proj.bias", kv),
                ck.tensor(p + "self_attn.v_proj.weight", kv, h), LlamaAdapter.bias(ck, p + "self_attn.v_proj.bias", kv),
                ck.tensor(p + "self_attn.o_proj.weight", h, q), LlamaAdapter.bias(ck, p + "self_attn.o_proj.bias", h),
                ck.tensor(p + "post_attention_layernorm.weight", h), ck.tensor(p + "post_attention_layernorm.bias", h),
                null, null,
                ck.tensor(p + "mlp.c_fc.weight", f, h), LlamaAdapter.bias(ck, p + "mlp.c_fc.bias", f),
                ck.tensor(p + "mlp.c_proj.weight", h, f), LlamaAdapter.bias(ck, p + "mlp.c_proj.bias", h));
    }

    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias, boolean attentionBias) {
        boolean biases = mlpBias || attentionBias;
        String p = "model.layers." + i + ".";
        Map<String, Tensor> out = new LinkedHashMap<>();
        LlamaAdapter.put(out, p + "input_layernorm", l.attnNorm(), l.attnNormBias());
        LlamaAdapter.put(out, p + "self_attn.q_proj", l.q(), LlamaAdapter.orZeros(l.qBias(), l.q().dim(0), biases));
        LlamaAdapter.put(out, p + "self_attn.k_proj", l.k(), LlamaAdapter.orZeros(l.kBias(), l.k().dim(0), biases));
        LlamaAdapter.put(out, p + "self_attn.v_proj", l.v(), LlamaAdapter.orZeros(l.vBias(), l.v().dim(0), biases));
        LlamaAdapter.put(out, p + "self_attn.o_proj", l.o(), LlamaAdapter.orZeros(l.oBias(), l.o().dim(0), biases));
        LlamaAdapter.put(out, p + "post_attention_layernorm", l.mlpNorm(), l.mlpNormBias());
        LlamaAdapter.put(out, p + "mlp.c_fc", l.up(), LlamaAdapter.orZeros(l.upBias(), l.ffnWidth(), biases));
        LlamaAdapter.put(out, p + "mlp.c_proj", l.down(), LlamaAdapter.orZeros(l.downBias(), l.down().dim(0), biases));
        return out;
    }

    @Override
    public ObjectNode config(ModelConfig source, List<LayerSizes> sizes, boolean mlpBias, int hiddenSize) {
        ObjectNode c = llama.config(source, sizes, false, hiddenSize);
        if (mlpBias) {
            c.put("use_bias", true);
        }
        return c;
    }

    @Override
    public String attentionBiasKey() {
        return "use_bias";
    }
}
