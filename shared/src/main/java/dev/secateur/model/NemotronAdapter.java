package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.util.List;
import java.util.Map;

/**
 * NemotronForCausalLM: Llama's names, switches and reading (an MLP with no gate_proj), every norm a LayerNorm1P:
 * Hugging Face normalises with 1 + weight, so 1 is added to the stored weights on read and taken off on write; the
 * biases are used as stored.
 */
final class NemotronAdapter extends LlamaVariantAdapter {

    @Override
    public LayerWeights readLayer(Checkpoint ck, int i) {
        LayerWeights l = llama.readLayer(ck, i);
        return l.withNorms(shifted(l.attnNorm(), 1f), shifted(l.mlpNorm(), 1f));
    }

    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias, boolean attentionBias) {
        return llama.writeLayer(i, l.withNorms(shifted(l.attnNorm(), -1f), shifted(l.mlpNorm(), -1f)), mlpBias, attentionBias);
    }

    @Override
    public Head readHead(Checkpoint ck, boolean withLmHead) {
        Head h = llama.readHead(ck, withLmHead);
        return new Head(shifted(h.norm(), 1f), h.normBias(), h.lmHead());
    }

    @Override
    public Map<String, Tensor> writeHead(Head h) {
        return llama.writeHead(new Head(shifted(h.norm(), -1f), h.normBias(), h.lmHead()));
    }

    /** NemotronConfig has Llama's mlp_bias switch, so a compensated down_proj bias is one Hugging Face reads. */
    @Override
    public ObjectNode config(ModelConfig source, List<LayerSizes> sizes, boolean mlpBias, int hiddenSize) {
        return llama.config(source, sizes, mlpBias, hiddenSize);
    }
}
