package dev.secateur.prune.train;

import dev.secateur.json.Json;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A fresh LlamaForCausalLM: its config.json and randomly initialised weights (normal, std 0.02; the two
 * projections that write into the residual stream, o_proj and down_proj, scaled by 1/√(2·layers) as in
 * GPT-2; RMSNorm weights 1).
 */
public final class LlamaInit {
    private static final ObjectMapper JSON = Json.mapper();

    private LlamaInit() {
    }

    /** Model sizes of a Llama to train from scratch. */
    public record Sizes(int hidden, int layers, int heads, int kvHeads, int ffn, int vocab, int maxPositions, boolean tied) {

        /** Checks the sizes with messages that name the command-line options. */
        public Sizes {
            if (hidden < 1 || layers < 1 || heads < 1 || kvHeads < 1 || ffn < 1 || vocab < 1 || maxPositions < 1) {
                throw new IllegalArgumentException("model sizes must be ≥ 1 (--hidden " + hidden + ", --layers " + layers
                        + ", --heads " + heads + ", --kv-heads " + kvHeads + ", --ffn " + ffn + ", vocab " + vocab + ")");
            }
            if (hidden % heads != 0) {
                throw new IllegalArgumentException("--heads " + heads + " does not divide --hidden " + hidden
                        + " (head size = hidden / heads must be a whole number)");
            }
            if (heads % kvHeads != 0) {
                throw new IllegalArgumentException("--kv-heads " + kvHeads + " does not divide --heads " + heads
                        + " (each key/value head serves a whole group of query heads)");
            }
            if ((hidden / heads) % 2 != 0) {
                throw new IllegalArgumentException("head size " + hidden / heads + " (= --hidden / --heads) must be even "
                        + "for rotary position embeddings");
            }
        }

        public int headDim() {
            return hidden / heads;
        }
    }

    public static ObjectNode configJson(Sizes s, Integer bos, Integer eos) {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", s.hidden());
        c.put("intermediate_size", s.ffn());
        c.put("num_hidden_layers", s.layers());
        c.put("num_attention_heads", s.heads());
        c.put("num_key_value_heads", s.kvHeads());
        c.put("head_dim", s.headDim());
        c.put("vocab_size", s.vocab());
        c.put("max_position_embeddings", s.maxPositions());
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.putNull("rope_scaling");
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        c.put("tie_word_embeddings", s.tied());
        c.put("initializer_range", 0.02);
        c.put("torch_dtype", "float32");
        if (bos != null) {
            c.put("bos_token_id", bos);
        }
        if (eos != null) {
            c.put("eos_token_id", eos);
        }
        return c;
    }

    public static ModelConfig config(Sizes s, Integer bos, Integer eos) {
        return ConfigReader.parse(configJson(s, bos, eos), "new Llama config");
    }

    public static DecoderWeights random(ModelConfig c, long seed) {
        Random r = new Random(seed);
        int h = c.hiddenSize(), hd = c.headDim(), q = c.numHeads() * hd, kv = c.numKvHeads() * hd, f = c.intermediateSize();
        float std = 0.02f;
        float residualStd = (float) (std / Math.sqrt(2.0 * c.numLayers()));
        Tensor embed = normal(r, std, c.vocabSize(), h);
        List<LayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            layers.add(new LayerWeights(ones(h), null,
                    normal(r, std, q, h), null, normal(r, std, kv, h), null, normal(r, std, kv, h), null,
                    normal(r, residualStd, h, q), null,
                    ones(h), null,
                    normal(r, std, f, h), null, normal(r, std, f, h), null, normal(r, residualStd, h, f), null));
        }
        Tensor head = c.tieWordEmbeddings() ? embed : normal(r, std, c.vocabSize(), h);
        return new DecoderWeights(c, embed, null, layers, ones(h), null, head);
    }

    private static Tensor normal(Random r, float std, int rows, int cols) {
        float[] d = new float[rows * cols];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (r.nextGaussian() * std);
        }
        return new Tensor(new int[] {rows, cols}, d);
    }

    private static Tensor ones(int n) {
        float[] d = new float[n];
        java.util.Arrays.fill(d, 1f);
        return new Tensor(new int[] {n}, d);
    }
}
