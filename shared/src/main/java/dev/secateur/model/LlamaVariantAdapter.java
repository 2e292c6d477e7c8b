package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.util.List;
import java.util.Map;

/**
 * An architecture that stores Llama's embeddings, head and config but lays its blocks out its own way (Phi-3's fused
 * projections, Gemma 2's four norms): everything but the block is Llama's, and so is the block wherever a subclass
 * does not say otherwise. Neither variant has Llama's mlp_bias switch, so none is written.
 */
abstract class LlamaVariantAdapter implements ArchitectureAdapter {

    protected final LlamaAdapter llama = new LlamaAdapter();

    @Override
    public Embeddings readEmbeddings(Checkpoint ck) {
        return llama.readEmbeddings(ck);
    }

    @Override
    public String tokenEmbeddingName(Checkpoint ck) {
        return llama.tokenEmbeddingName(ck);
    }

    @Override
    public String lmHeadName(Checkpoint ck) {
        return llama.lmHeadName(ck);
    }

    @Override
    public LayerSizes layerSizes(Checkpoint ck, int layer) {
        return llama.layerSizes(ck, layer);
    }

    @Override
    public Head readHead(Checkpoint ck, boolean withLmHead) {
        return llama.readHead(ck, withLmHead);
    }

    @Override
    public boolean tied(Checkpoint ck) {
        return llama.tied(ck);
    }

    @Override
    public Map<String, Tensor> writeEmbeddings(Embeddings e) {
        return llama.writeEmbeddings(e);
    }

    /** Without attention_bias; a variant that writes its block under Llama's switches overrides the four-argument form. */
    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias) {
        return writeLayer(i, l, mlpBias, false);
    }

    @Override
    public Map<String, Tensor> writeHead(Head h) {
        return llama.writeHead(h);
    }

    /** t + by, element by element; null stays null (Gemma's and Nemotron's norms are stored as offsets from 1). */
    protected static Tensor shifted(Tensor t, float by) {
        if (t == null) {
            return null;
        }
        float[] v = t.data().clone();
        for (int i = 0; i < v.length; i++) {
            v[i] += by;
        }
        return new Tensor(t.shape(), v);
    }

    @Override
    public ObjectNode config(ModelConfig source, List<LayerSizes> sizes, boolean mlpBias, int hiddenSize) {
        return llama.config(source, sizes, false, hiddenSize);
    }
}
