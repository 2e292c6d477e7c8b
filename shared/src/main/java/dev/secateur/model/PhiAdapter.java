package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.util.LinkedHashMap;
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
    PhiAdapter(ModelConfig config) {
        super("model.embed_tokens.weight", "model.final_layernorm", "lm_head", true, config);
    }

    @Override
    public LayerSizes layerSizes(Checkpoint ck, int i) {
        return LlamaAdapter.layerSizes(ck, i, "mlp.fc1.weight");
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
                ck.tensor(p + "self_attn.dense.weight", h, q), LlamaAdapter.bias(ck, p + "self_attn.dense.bias", h),
                null, null,
                null, null,
                ck.tensor(p + "mlp.fc1.weight", f, h), LlamaAdapter.bias(ck, p + "mlp.fc1.bias", f),
                ck.tensor(p + "mlp.fc2.weight", h, f), LlamaAdapter.bias(ck, p + "mlp.fc2.bias", h));
    }

    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias, boolean attentionBias) {
        String p = "model.layers." + i + ".";
        Map<String, Tensor> out = new LinkedHashMap<>();
        LlamaAdapter.put(out, p + "input_layernorm", l.attnNorm(), l.attnNormBias());
        LlamaAdapter.put(out, p + "self_attn.q_proj", l.q(), LlamaAdapter.orZeros(l.qBias(), l.q().dim(0), true));
        LlamaAdapter.put(out, p + "self_attn.k_proj", l.k(), LlamaAdapter.orZeros(l.kBias(), l.k().dim(0), true));
        LlamaAdapter.put(out, p + "self_attn.v_proj", l.v(), LlamaAdapter.orZeros(l.vBias(), l.v().dim(0), true));
        LlamaAdapter.put(out, p + "self_attn.dense", l.o(), LlamaAdapter.orZeros(l.oBias(), l.o().dim(0), true));
        LlamaAdapter.put(out, p + "mlp.fc1", l.up(), LlamaAdapter.orZeros(l.upBias(), l.ffnWidth(), true));
        LlamaAdapter.put(out, p + "mlp.fc2", l.down(), LlamaAdapter.orZeros(l.downBias(), l.down().dim(0), true));
        return out;
    }

    /** Phi's biases are built in: no mlp_bias or attention_bias key to set. */
    @Override
    public ObjectNode config(ModelConfig source, List<LayerSizes> sizes, boolean mlpBias, int hiddenSize) {
        return new LlamaAdapter().config(source, sizes, false, hiddenSize);
    }
}
