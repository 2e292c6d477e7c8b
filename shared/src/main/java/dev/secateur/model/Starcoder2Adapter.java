package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Starcoder2ForCausalLM: Llama's attention names, LayerNorms (weight and bias), and an ungated MLP stored as mlp.c_fc
 * (the up projection, [ffn, hidden]) and mlp.c_proj (the down projection, [hidden, ffn]). One switch, use_bias, turns
 * every linear bias on at once, so when the written model has any bias, absent ones are written as zeros and use_bias
 * is set.
 */
final class Starcoder2Adapter extends LlamaVariantAdapter {
    private static final UngatedBlockNames BLOCK = new UngatedBlockNames("self_attn.o_proj", "mlp.c_fc", "mlp.c_proj",
            "post_attention_layernorm");

    @Override
    public LayerSizes layerSizes(Checkpoint ck, int i) {
        return LlamaAdapter.layerSizes(ck, i, BLOCK.up() + ".weight");
    }

    @Override
    public LayerWeights readLayer(Checkpoint ck, int i) {
        return BLOCK.read(ck, layerSizes(ck, i), i);
    }

    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias, boolean attentionBias) {
        return BLOCK.write(i, l, mlpBias || attentionBias);
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
