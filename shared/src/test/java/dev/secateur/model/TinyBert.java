package dev.secateur.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.checkpoint.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small random BERT encoders for tests, with optional per-layer head counts and FFN widths. */
public final class TinyBert {
    private TinyBert() {
    }

    public static EncoderWeights random(long seed, int vocab, int hidden, int heads, int ffn, int layers, int maxPos) {
        int[] h = new int[layers], f = new int[layers];
        java.util.Arrays.fill(h, heads);
        java.util.Arrays.fill(f, ffn);
        return random(seed, vocab, hidden, heads, h, f, maxPos);
    }

    public static EncoderWeights random(long seed, int vocab, int hidden, int denseHeads, int[] heads, int[] ffn, int maxPos) {
        Random r = new Random(seed);
        int hd = hidden / denseHeads;
        ObjectNode cfg = new ObjectMapper().createObjectNode();
        cfg.putArray("architectures").add("BertModel");
        cfg.put("model_type", "bert").put("hidden_size", hidden).put("num_hidden_layers", heads.length)
                .put("num_attention_heads", denseHeads).put("intermediate_size", ffn[0]).put("vocab_size", vocab)
                .put("max_position_embeddings", maxPos).put("type_vocab_size", 2).put("layer_norm_eps", 1e-12)
                .put("hidden_act", "gelu");
        List<EncoderLayerWeights> ls = new ArrayList<>();
        for (int i = 0; i < heads.length; i++) {
            int q = heads[i] * hd;
            ls.add(new EncoderLayerWeights(t(r, 0.2f, q, hidden), t(r, 0.05f, q), t(r, 0.2f, q, hidden), t(r, 0.05f, q),
                    t(r, 0.2f, q, hidden), t(r, 0.05f, q), t(r, 0.2f, hidden, q), t(r, 0.05f, hidden),
                    norm(r, hidden), t(r, 0.05f, hidden), t(r, 0.2f, ffn[i], hidden), t(r, 0.05f, ffn[i]),
                    t(r, 0.2f, hidden, ffn[i]), t(r, 0.05f, hidden), norm(r, hidden), t(r, 0.05f, hidden)));
        }
        return new EncoderWeights(ConfigReader.parse(cfg, "tiny-bert"), t(r, 0.5f, vocab, hidden), t(r, 0.1f, maxPos, hidden),
                t(r, 0.1f, 2, hidden), norm(r, hidden), t(r, 0.05f, hidden), ls, null, null);
    }

    static Tensor t(Random r, float scale, int... shape) {
        Tensor t = Tensor.zeros(shape);
        for (int i = 0; i < t.numel(); i++) {
            t.data()[i] = (float) r.nextGaussian() * scale;
        }
        return t;
    }

    static Tensor norm(Random r, int n) {
        Tensor t = Tensor.zeros(n);
        for (int i = 0; i < n; i++) {
            t.data()[i] = 1f + (float) r.nextGaussian() * 0.1f;
        }
        return t;
    }
}
