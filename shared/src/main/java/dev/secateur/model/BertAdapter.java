package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * BertModel's Hugging Face tensor names, with or without the "bert." prefix that task models
 * (BertForMaskedLM, ...) add. Weights are PyTorch Linear [out, in] already. Written back under BertModel's
 * own names (no prefix), which is what {@code BertModel.from_pretrained} and sentence-transformers read.
 */
final class BertAdapter {
    private BertAdapter() {
    }

    static EncoderWeights read(Checkpoint ck) {
        ModelConfig c = ck.config();
        String root = ck.has("embeddings.word_embeddings.weight") ? "" : ck.has("bert.embeddings.word_embeddings.weight") ? "bert." : null;
        if (root == null) {
            throw new CheckpointException(ck.dir() + ": missing tensor 'embeddings.word_embeddings.weight' (nor 'bert.embeddings.word_embeddings.weight')");
        }
        int h = c.hiddenSize(), hd = c.headDim();
        Tensor word = ck.tensor(root + "embeddings.word_embeddings.weight", c.vocabSize(), h);
        Tensor pos = ck.tensor(root + "embeddings.position_embeddings.weight", c.maxPositions(), h);
        int types = ck.shape(root + "embeddings.token_type_embeddings.weight")[0];
        Tensor type = ck.tensor(root + "embeddings.token_type_embeddings.weight", types, h);
        List<EncoderLayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            String p = root + "encoder.layer." + i + ".";
            int qRows = LlamaAdapter.rows(ck, p + "attention.self.query.weight", h, hd);
            if (qRows == 0) {
                throw new CheckpointException(ck.dir() + ": layer " + i + " has no attention heads");
            }
            int ffn = ck.shape(p + "intermediate.dense.weight")[0];
            layers.add(new EncoderLayerWeights(
                    ck.tensor(p + "attention.self.query.weight", qRows, h), ck.tensor(p + "attention.self.query.bias", qRows),
                    ck.tensor(p + "attention.self.key.weight", qRows, h), ck.tensor(p + "attention.self.key.bias", qRows),
                    ck.tensor(p + "attention.self.value.weight", qRows, h), ck.tensor(p + "attention.self.value.bias", qRows),
                    ck.tensor(p + "attention.output.dense.weight", h, qRows), ck.tensor(p + "attention.output.dense.bias", h),
                    ck.tensor(p + "attention.output.LayerNorm.weight", h), ck.tensor(p + "attention.output.LayerNorm.bias", h),
                    ck.tensor(p + "intermediate.dense.weight", ffn, h), ck.tensor(p + "intermediate.dense.bias", ffn),
                    ck.tensor(p + "output.dense.weight", h, ffn), ck.tensor(p + "output.dense.bias", h),
                    ck.tensor(p + "output.LayerNorm.weight", h), ck.tensor(p + "output.LayerNorm.bias", h)));
        }
        boolean pooler = ck.has(root + "pooler.dense.weight");
        return new EncoderWeights(c, word, pos, type,
                ck.tensor(root + "embeddings.LayerNorm.weight", h), ck.tensor(root + "embeddings.LayerNorm.bias", h), layers,
                pooler ? ck.tensor(root + "pooler.dense.weight", h, h) : null, pooler ? ck.tensor(root + "pooler.dense.bias", h) : null);
    }

    /** Tensors under BertModel's names, in a stable order. */
    static Map<String, Tensor> tensors(EncoderWeights w) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("embeddings.word_embeddings.weight", w.wordEmbedding());
        out.put("embeddings.position_embeddings.weight", w.positionEmbedding());
        out.put("embeddings.token_type_embeddings.weight", w.tokenTypeEmbedding());
        out.put("embeddings.LayerNorm.weight", w.embNorm());
        out.put("embeddings.LayerNorm.bias", w.embNormBias());
        for (int i = 0; i < w.layers().size(); i++) {
            EncoderLayerWeights l = w.layers().get(i);
            String p = "encoder.layer." + i + ".";
            out.put(p + "attention.self.query.weight", l.q());
            out.put(p + "attention.self.query.bias", l.qBias());
            out.put(p + "attention.self.key.weight", l.k());
            out.put(p + "attention.self.key.bias", l.kBias());
            out.put(p + "attention.self.value.weight", l.v());
            out.put(p + "attention.self.value.bias", l.vBias());
            out.put(p + "attention.output.dense.weight", l.o());
            out.put(p + "attention.output.dense.bias", l.oBias());
            out.put(p + "attention.output.LayerNorm.weight", l.attnNorm());
            out.put(p + "attention.output.LayerNorm.bias", l.attnNormBias());
            out.put(p + "intermediate.dense.weight", l.up());
            out.put(p + "intermediate.dense.bias", l.upBias());
            out.put(p + "output.dense.weight", l.down());
            out.put(p + "output.dense.bias", l.downBias());
            out.put(p + "output.LayerNorm.weight", l.ffnNorm());
            out.put(p + "output.LayerNorm.bias", l.ffnNormBias());
        }
        if (w.poolerDense() != null) {
            out.put("pooler.dense.weight", w.poolerDense());
            out.put("pooler.dense.bias", w.poolerBias());
        }
        return out;
    }

    /**
     * config.json: the source config with the layer count updated, the FFN width when every layer keeps the same one
     * (BertIntermediate builds intermediate_size neurons), and per-layer sizes recorded. Heads stay as they were:
     * BertSelfAttention derives the head size from hidden_size / num_attention_heads, so transformers cannot load an
     * encoder that lost heads (Secateur and its ONNX export can).
     */
    static ObjectNode config(EncoderWeights w) {
        ObjectNode c = w.config().raw().deepCopy();
        c.putArray("architectures").add("BertModel");
        c.put("model_type", c.path("model_type").asText("bert"));
        c.put("num_hidden_layers", w.layers().size());
        c.put("type_vocab_size", w.tokenTypeEmbedding().dim(0));
        java.util.List<LayerSizes> sizes = w.layerSizes();
        if (sizes.stream().mapToInt(LayerSizes::ffn).distinct().count() == 1) {
            c.put("intermediate_size", sizes.get(0).ffn());
        }
        LayerSizesJson.record(c, sizes);
        return c;
    }
}
