package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Architecture;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps one Hugging Face architecture's tensor names and layouts to and from the canonical layout, one part
 * of the model at a time, so that a model can be read and written block by block.
 */
public interface ArchitectureAdapter {

    /** The embedding-side parts: the token embedding and, for GPT-2, learned positions. */
    record Embeddings(Tensor tokens, Tensor positions) {
    }

    /**
     * The output-side parts; {@code lmHead} is null when tied to the token embedding (or not read), {@code lmHeadBias}
     * [vocab] is Phi's output bias, null elsewhere, and is read even when the projection is not.
     */
    record Head(Tensor norm, Tensor normBias, Tensor lmHead, Tensor lmHeadBias) {
        /** A head without an output bias (every architecture but Phi). */
        public Head(Tensor norm, Tensor normBias, Tensor lmHead) {
            this(norm, normBias, lmHead, null);
        }
    }

    Embeddings readEmbeddings(Checkpoint ck);

    /** Learned positions alone (GPT-2), without reading the token table; null for rotary models. */
    default Tensor readPositions(Checkpoint ck) {
        return null;
    }

    /** The stored names of the token embedding and of the output projection (the embedding's own when tied). */
    String tokenEmbeddingName(Checkpoint ck);

    String lmHeadName(Checkpoint ck);

    LayerWeights readLayer(Checkpoint ck, int layer);

    /** Block sizes from the tensor shapes alone, checked against the config. */
    LayerSizes layerSizes(Checkpoint ck, int layer);

    /** @param withLmHead false to skip reading the (large) output projection: {@code lmHead} is then null */
    Head readHead(Checkpoint ck, boolean withLmHead);

    /** Whether the output projection is the token embedding. */
    boolean tied(Checkpoint ck);

    /** Tensors under their Hugging Face names, in a stable order. */
    Map<String, Tensor> writeEmbeddings(Embeddings e);

    /**
     * @param index the layer's index in the written model (dropped layers renumber the rest)
     * @param mlpBias whether the written config switches MLP biases on (then absent ones are written as zeros)
     */
    Map<String, Tensor> writeLayer(int index, LayerWeights l, boolean mlpBias);

    /**
     * @param attentionBias whether the written config switches attention biases on (Llama's attention_bias: q, k, v and o
     *     together), so that an o_proj bias added by head compensation is read by Hugging Face too; absent ones are zeros
     */
    default Map<String, Tensor> writeLayer(int index, LayerWeights l, boolean mlpBias, boolean attentionBias) {
        return writeLayer(index, l, mlpBias);
    }

    Map<String, Tensor> writeHead(Head h);

    /** The config.json key that switches attention biases on (Starcoder2's use_bias covers every linear layer). */
    default String attentionBiasKey() {
        return "attention_bias";
    }

    /** config.json for a model of these sizes: the source config with sizes updated and per-layer sizes recorded. */
    default ObjectNode config(ModelConfig source, List<LayerSizes> sizes, boolean mlpBias) {
        return config(source, sizes, mlpBias, source.hiddenSize());
    }

    /** @param hiddenSize the residual width of the written model (smaller than the source's after hidden pruning) */
    ObjectNode config(ModelConfig source, List<LayerSizes> sizes, boolean mlpBias, int hiddenSize);

    default DecoderWeights read(Checkpoint ck) {
        Embeddings e = readEmbeddings(ck);
        List<LayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < ck.config().numLayers(); i++) {
            layers.add(readLayer(ck, i));
        }
        Head h = readHead(ck, true);
        return new DecoderWeights(ck.config(), e.tokens(), e.positions(), layers, h.norm(), h.normBias(),
                h.lmHead() == null ? e.tokens() : h.lmHead(), h.lmHeadBias());
    }

    default Map<String, Tensor> write(DecoderWeights w) {
        boolean mlpBias = hasMlpBias(w), attentionBias = hasAttentionBias(w);
        Map<String, Tensor> out = new LinkedHashMap<>(writeEmbeddings(new Embeddings(w.tokenEmbedding(), w.positionEmbedding())));
        for (int i = 0; i < w.layers().size(); i++) {
            out.putAll(writeLayer(i, w.layers().get(i), mlpBias, attentionBias));
        }
        out.putAll(writeHead(new Head(w.finalNorm(), w.finalNormBias(), w.tied() ? null : w.lmHead(), w.lmHeadBias())));
        return out;
    }

    default ObjectNode config(DecoderWeights w) {
        ObjectNode c = config(w.config(), w.layerSizes(), hasMlpBias(w), w.tokenEmbedding().dim(1));
        if (hasAttentionBias(w)) {
            c.put(attentionBiasKey(), true);
        }
        return c;
    }

    /** A Llama (or Gemma 2) whose o_proj has a bias (head compensation adds one) needs attention_bias, which switches q/k/v/o biases on together. */
    static boolean hasAttentionBias(DecoderWeights w) {
        return w.config().architecture().hasAttentionBiasSwitch() && w.layers().stream().anyMatch(l -> l.oBias() != null);
    }

    static boolean hasMlpBias(DecoderWeights w) {
        return w.layers().stream().anyMatch(l -> l.downBias() != null);
    }

    /** The adapter of a config's architecture (GPT-NeoX's needs its head_dim to interleave q, k and v on write). */
    static ArchitectureAdapter of(ModelConfig config) {
        Architecture architecture = config.architecture();
        return switch (architecture) {
            case LLAMA, MISTRAL, QWEN2, QWEN3, SMOLLM3, GRANITE, STABLELM -> new LlamaAdapter();
            case PHI3 -> new Phi3Adapter();
            case GEMMA, GEMMA2, GEMMA3 -> new GemmaAdapter();
            case STARCODER2 -> new Starcoder2Adapter();
            case MINICPM -> new MiniCpmAdapter();
            case NEMOTRON -> new NemotronAdapter();
            case OLMO2, OLMO3 -> new Olmo2Adapter();
            case GPT2 -> new Gpt2Adapter();
            case GPT_NEOX -> new GptNeoxAdapter(config);
            case INTERNLM2 -> new InternLm2Adapter(config);
            case PHI -> new PhiAdapter(config);
            case GPTJ -> new GptjAdapter(config);
            case FALCON -> new FalconAdapter(config);
            case OPT -> new OptAdapter(config);
            case BERT -> throw new CheckpointException(architecture.hfName()
                    + " is an encoder, not a decoder-only language model: load it with EncoderWeights.load");
        };
    }
}
