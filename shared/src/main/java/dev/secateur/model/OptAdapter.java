package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OPTForCausalLM. Tensors live under model.decoder. (embed_tokens, embed_positions, layers.N, final_layer_norm) beside
 * lm_head (tied by default). A block is self_attn_layer_norm, self_attn.q_proj / k_proj / v_proj / out_proj, then
 * final_layer_norm (the norm before the MLP) and fc1 / fc2, every linear layer with a bias when enable_bias is true
 * (its default). The position table is read whole, its two leading rows included ({@link ModelConfig#positionOffset()}).
 * facebook/opt-* store their tensors under decoder. (OPTModel's names) where OPTForCausalLM writes model.decoder.: both
 * are read, and the pruned checkpoint is written under model.decoder.
 */
final class OptAdapter extends OwnNamesAdapter {
    private static final String ROOT = "model.decoder.";

    private final boolean enableBias;

    /** @param config the source's: with enable_bias true every bias is written, zeros where the model has none */
    OptAdapter(ModelConfig config) {
        super(ROOT + "embed_tokens.weight", ROOT + "final_layer_norm", "lm_head", false, config);
        this.enableBias = config.attentionBias();
    }

    @Override
    protected String stored(Checkpoint ck, String name) {
        boolean bare = !ck.has(ROOT + "embed_tokens.weight") && ck.has("decoder.embed_tokens.weight");
        return bare && name.startsWith(ROOT) ? name.substring("model.".length()) : name;
    }

    @Override
    public Tensor readPositions(Checkpoint ck) {
        ModelConfig c = ck.config();
        return ck.tensor(stored(ck, ROOT + "embed_positions.weight"), c.maxPositions() + c.positionOffset(), c.hiddenSize());
    }

    @Override
    public LayerSizes layerSizes(Checkpoint ck, int i) {
        ModelConfig c = ck.config();
        int h = c.hiddenSize(), hd = c.headDim();
        String p = stored(ck, ROOT + "layers." + i + ".");
        int q = LlamaAdapter.rows(ck, p + "self_attn.q_proj.weight", h, hd), kv = LlamaAdapter.rows(ck, p + "self_attn.k_proj.weight", h, hd);
        if (q != kv || q == 0) {
            throw new dev.secateur.checkpoint.CheckpointException(ck.dir() + ": layer " + i + " has " + q / hd
                    + " query heads and " + kv / hd + " key heads; OPT has as many of each");
        }
        int[] up = ck.shape(p + "fc1.weight");
        if (up.length != 2 || up[1] != h || up[0] == 0) {
            throw new dev.secateur.checkpoint.CheckpointException(ck.dir() + ": tensor '" + p + "fc1.weight' has shape "
                    + java.util.Arrays.toString(up) + " but config.json implies [ffn, " + h + "]");
        }
        return new LayerSizes(q / hd, q / hd, up[0]);
    }

    @Override
    public LayerWeights readLayer(Checkpoint ck, int i) {
        LayerSizes s = layerSizes(ck, i);
        int h = ck.config().hiddenSize(), rows = s.heads() * ck.config().headDim(), f = s.ffn();
        String p = stored(ck, ROOT + "layers." + i + ".");
        return new LayerWeights(ck.tensor(p + "self_attn_layer_norm.weight", h), ck.tensor(p + "self_attn_layer_norm.bias", h),
                ck.tensor(p + "self_attn.q_proj.weight", rows, h), LlamaAdapter.bias(ck, p + "self_attn.q_proj.bias", rows),
                ck.tensor(p + "self_attn.k_proj.weight", rows, h), LlamaAdapter.bias(ck, p + "self_attn.k_proj.bias", rows),
                ck.tensor(p + "self_attn.v_proj.weight", rows, h), LlamaAdapter.bias(ck, p + "self_attn.v_proj.bias", rows),
                ck.tensor(p + "self_attn.out_proj.weight", h, rows), LlamaAdapter.bias(ck, p + "self_attn.out_proj.bias", h),
                ck.tensor(p + "final_layer_norm.weight", h), ck.tensor(p + "final_layer_norm.bias", h),
                null, null,
                ck.tensor(p + "fc1.weight", f, h), LlamaAdapter.bias(ck, p + "fc1.bias", f),
                ck.tensor(p + "fc2.weight", h, f), LlamaAdapter.bias(ck, p + "fc2.bias", h));
    }

    @Override
    public Map<String, Tensor> writeEmbeddings(Embeddings e) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(ROOT + "embed_tokens.weight", e.tokens());
        out.put(ROOT + "embed_positions.weight", e.positions());
        return out;
    }

    /**
     * enable_bias switches every linear bias on at once: when the source had it or the written model has any bias, absent
     * ones are zeros (all-zero biases read as absent, and Hugging Face would initialise a missing one at random).
     */
    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias, boolean attentionBias) {
        boolean biases = enableBias || mlpBias || attentionBias || l.qBias() != null;
        String p = ROOT + "layers." + i + ".";
        Map<String, Tensor> out = new LinkedHashMap<>();
        LlamaAdapter.put(out, p + "self_attn_layer_norm", l.attnNorm(), l.attnNormBias());
        LlamaAdapter.put(out, p + "self_attn.q_proj", l.q(), LlamaAdapter.orZeros(l.qBias(), l.q().dim(0), biases));
        LlamaAdapter.put(out, p + "self_attn.k_proj", l.k(), LlamaAdapter.orZeros(l.kBias(), l.k().dim(0), biases));
        LlamaAdapter.put(out, p + "self_attn.v_proj", l.v(), LlamaAdapter.orZeros(l.vBias(), l.v().dim(0), biases));
        LlamaAdapter.put(out, p + "self_attn.out_proj", l.o(), LlamaAdapter.orZeros(l.oBias(), l.o().dim(0), biases));
        LlamaAdapter.put(out, p + "final_layer_norm", l.mlpNorm(), l.mlpNormBias());
        LlamaAdapter.put(out, p + "fc1", l.up(), LlamaAdapter.orZeros(l.upBias(), l.ffnWidth(), biases));
        LlamaAdapter.put(out, p + "fc2", l.down(), LlamaAdapter.orZeros(l.downBias(), l.down().dim(0), biases));
        return out;
    }

    @Override
    public String attentionBiasKey() {
        return "enable_bias";
    }

    /** OPTConfig's keys: num_hidden_layers, ffn_dim when every layer keeps the same width, enable_bias. */
    @Override
    public ObjectNode config(ModelConfig source, List<LayerSizes> sizes, boolean mlpBias, int hiddenSize) {
        ObjectNode c = source.raw().deepCopy();
        c.put("num_hidden_layers", sizes.size());
        if (sizes.stream().distinct().count() == 1) {
            c.put("ffn_dim", sizes.get(0).ffn());
        }
        if (mlpBias) {
            c.put("enable_bias", true);
        }
        LayerSizesJson.record(c, sizes);
        return c;
    }
}
