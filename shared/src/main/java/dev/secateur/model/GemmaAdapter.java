package dev.secateur.model;

import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GemmaForCausalLM: Llama's tensor names and two norms per block. Gemma2ForCausalLM and Gemma3ForCausalLM: Llama's
 * tensor names for attention, MLP, embeddings and the final norm, and four norms per block where Llama has two. Hugging Face's names say where each norm sits: input_layernorm before attention,
 * post_attention_layernorm on the attention output (not before the MLP, as in Llama), pre_feedforward_layernorm before
 * the MLP, post_feedforward_layernorm on its output. Gemma stores an RMSNorm weight as its offset from 1 (it multiplies
 * by 1 + w): 1 is added on read and taken off on write, so the canonical weights are plain RMSNorm scales. Gemma 3 adds
 * self_attn.q_norm / k_norm (as Qwen3's, read by Llama's code) stored the same way.
 */
final class GemmaAdapter extends LlamaVariantAdapter {

    @Override
    public LayerWeights readLayer(Checkpoint ck, int i) {
        LayerWeights l = llama.readLayer(ck, i); // its mlpNorm is Gemma's post_attention_layernorm
        if (!ck.config().architecture().hasPostNorms()) {
            return l.withNorms(plusOne(l.attnNorm()), plusOne(l.mlpNorm()));
        }
        int h = ck.config().hiddenSize();
        String p = "model.layers." + i + ".";
        return new LayerWeights(plusOne(l.attnNorm()), null, l.q(), l.qBias(), l.k(), l.kBias(), l.v(), l.vBias(),
                l.o(), l.oBias(), plusOne(ck.tensor(p + "pre_feedforward_layernorm.weight", h)), null,
                l.gate(), l.gateBias(), l.up(), l.upBias(), l.down(), l.downBias(), plusOne(l.qNorm()), plusOne(l.kNorm()),
                plusOne(l.mlpNorm()), plusOne(ck.tensor(p + "post_feedforward_layernorm.weight", h)));
    }

    @Override
    public Head readHead(Checkpoint ck, boolean withLmHead) {
        Head h = llama.readHead(ck, withLmHead);
        return new Head(plusOne(h.norm()), null, h.lmHead());
    }

    /**
     * Gemma's attention_bias switches q/k/v/o biases on together, as Llama's does; its MLP has no bias switch, so
     * a compensated down_proj bias is written under its own name for Secateur's readers and the ONNX export only.
     */
    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias, boolean attentionBias) {
        String p = "model.layers." + i + ".";
        Map<String, Tensor> llamaNamed = llama.writeLayer(i, l, false, attentionBias);
        Map<String, Tensor> out = new LinkedHashMap<>();
        llamaNamed.forEach((name, t) -> {
            if (name.equals(p + "input_layernorm.weight") || name.equals(p + "self_attn.q_norm.weight")
                    || name.equals(p + "self_attn.k_norm.weight")) {
                out.put(name, minusOne(t));
            } else if (name.equals(p + "post_attention_layernorm.weight") && l.postAttnNorm() == null) {
                out.put(name, minusOne(t)); // the first Gemma's norm before the MLP, under Llama's name
            } else if (name.equals(p + "post_attention_layernorm.weight")) {
                out.put(p + "post_attention_layernorm.weight", minusOne(l.postAttnNorm()));
                out.put(p + "pre_feedforward_layernorm.weight", minusOne(l.mlpNorm()));
                out.put(p + "post_feedforward_layernorm.weight", minusOne(l.postMlpNorm()));
            } else {
                out.put(name, t);
            }
        });
        return out;
    }

    @Override
    public Map<String, Tensor> writeHead(Head h) {
        return llama.writeHead(new Head(minusOne(h.norm()), null, h.lmHead()));
    }

    private static Tensor plusOne(Tensor t) {
        return shifted(t, 1f);
    }

    private static Tensor minusOne(Tensor t) {
        return shifted(t, -1f);
    }
}
