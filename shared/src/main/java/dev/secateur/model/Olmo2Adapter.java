package dev.secateur.model;

import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Olmo2ForCausalLM and Olmo3ForCausalLM (the same block): Llama's names for attention, MLP, embeddings and head, and no norm before attention or the MLP.
 * Its post_attention_layernorm normalises the attention output (where Llama's normalises the MLP input) and
 * post_feedforward_layernorm the MLP output; q_norm / k_norm span all heads ([heads × head_dim]), which Llama's
 * reader takes from the architecture.
 */
final class Olmo2Adapter extends LlamaVariantAdapter {

    @Override
    public LayerWeights readLayer(Checkpoint ck, int i) {
        LayerWeights l = llama.readLayer(ck, i); // no input norm; its mlpNorm is OLMo 2's post_attention_layernorm
        Tensor postMlp = ck.tensor("model.layers." + i + ".post_feedforward_layernorm.weight", ck.config().hiddenSize());
        return new LayerWeights(null, null, l.q(), l.qBias(), l.k(), l.kBias(), l.v(), l.vBias(), l.o(), l.oBias(),
                null, null, l.gate(), l.gateBias(), l.up(), l.upBias(), l.down(), l.downBias(), l.qNorm(), l.kNorm(),
                l.mlpNorm(), postMlp);
    }

    /** attention_bias switches q/k/v/o biases together, as Llama's; the MLP has no bias switch (see Gemma's). */
    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias, boolean attentionBias) {
        String p = "model.layers." + i + ".";
        Map<String, Tensor> out = new LinkedHashMap<>();
        llama.writeLayer(i, l, false, attentionBias).forEach((name, t) -> {
            if (name.equals(p + "post_attention_layernorm.weight")) {
                out.put(name, l.postAttnNorm());
                out.put(p + "post_feedforward_layernorm.weight", l.postMlpNorm());
            } else {
                out.put(name, t);
            }
        });
        return out;
    }
}
