package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.util.List;
import java.util.Map;

/**
 * MiniCPMForCausalLM: Llama's block, names and attention_bias switch (its MLP has no bias switch). Two of its µP
 * scalars are written in terms of the model's size, so a pruned config restates them: each block's update is
 * × scale_depth / √num_hidden_layers and the logits ÷ (hidden_size / dim_model_base), and both must stay what the
 * source computed when layers are dropped or the hidden size is cut.
 */
final class MiniCpmAdapter extends LlamaVariantAdapter {

    @Override
    public LayerWeights readLayer(Checkpoint ck, int i) {
        return llama.readLayer(ck, i);
    }

    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias, boolean attentionBias) {
        return llama.writeLayer(i, l, false, attentionBias);
    }

    @Override
    public ObjectNode config(ModelConfig source, List<LayerSizes> sizes, boolean mlpBias, int hiddenSize) {
        ObjectNode c = llama.config(source, sizes, false, hiddenSize);
        double depth = source.raw().path("scale_depth").asDouble(1.0);
        c.put("scale_depth", depth * Math.sqrt((double) sizes.size() / source.numLayers()));
        double base = source.raw().path("dim_model_base").asDouble(1.0);
        c.put("dim_model_base", base * hiddenSize / source.hiddenSize());
        return c;
    }
}
