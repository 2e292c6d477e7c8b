package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.util.List;
import java.util.Map;

/**
 * PhiForCausalLM (Phi-1, Phi-1.5, Phi-2): Llama's q/k/v names with self_attn.dense for o_proj, an ungated MLP stored as
 * mlp.fc1 (up) and mlp.fc2 (down), one input_layernorm per block and no second norm (the layer's mlpNorm is null: the
 * parallel block feeds the MLP the attention's normed input), model.final_layernorm, and lm_head with a bias. Every
 * linear layer of PhiModel has a bias and Hugging Face has no switch for them, so absent (all-zero) ones are written as
 * zeros: a missing key would be initialised at random on load.
 */
final class PhiAdapter extends OwnNamesAdapter {
    private static final UngatedBlockNames BLOCK = new UngatedBlockNames("self_attn.dense", "mlp.fc1", "mlp.fc2", null);

    PhiAdapter(ModelConfig config) {
        super("model.embed_tokens.weight", "model.final_layernorm", "lm_head", true, config);
    }

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
        return BLOCK.write(i, l, true);
    }

    /** Phi's biases are built in: no mlp_bias or attention_bias key to set. */
    @Override
    public ObjectNode config(ModelConfig source, List<LayerSizes> sizes, boolean mlpBias, int hiddenSize) {
        return new LlamaAdapter().config(source, sizes, false, hiddenSize);
    }
}
