package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * InternLM2ForCausalLM: Llama's block under other names (model.tok_embeddings, attention_norm, attention.wo, ffn_norm,
 * feed_forward.w1 / w3 / w2 for gate / up / down, output), with q, k and v fused in attention.wqkv per key/value group,
 * as InternLM2Attention splits it: group g holds its q_per_kv query heads, then its key head, then its value head, each
 * head_dim rows. Split into Llama's projections on read and grouped again on write.
 */
final class InternLm2Adapter extends OwnNamesAdapter {
    private final int headDim;

    /** The head_dim of the source config (hidden_size / num_attention_heads), which pruning never changes. */
    InternLm2Adapter(ModelConfig config) {
        super("model.tok_embeddings.weight", "model.norm", "output", false, config);
        this.headDim = config.headDim();
    }

    /** Query heads from attention.wo's columns, key/value heads from the rest of wqkv's rows, FFN neurons from w1's. */
    @Override
    public LayerSizes layerSizes(Checkpoint ck, int i) {
        int h = ck.config().hiddenSize();
        String p = "model.layers." + i + ".";
        int[] o = ck.shape(p + "attention.wo.weight");
        if (o.length != 2 || o[0] != h || o[1] == 0 || o[1] % headDim != 0) {
            throw new CheckpointException(ck.dir() + ": tensor '" + p + "attention.wo.weight' has shape "
                    + Arrays.toString(o) + " but config.json implies [" + h + ", heads × " + headDim + "]");
        }
        int heads = o[1] / headDim;
        int rows = LlamaAdapter.rows(ck, p + "attention.wqkv.weight", h, headDim);
        int kv = (rows / headDim - heads) / 2;
        if (kv <= 0 || heads + 2 * kv != rows / headDim || heads % kv != 0) {
            throw new CheckpointException(ck.dir() + ": tensor '" + p + "attention.wqkv.weight' has " + rows + " rows; with "
                    + heads + " query heads of " + headDim + " (from attention.wo) it must hold (heads + 2 × key/value heads) × "
                    + headDim + " rows, heads a multiple of key/value heads");
        }
        int[] gate = ck.shape(p + "feed_forward.w1.weight");
        if (gate.length != 2 || gate[1] != h || gate[0] == 0) {
            throw new CheckpointException(ck.dir() + ": tensor '" + p + "feed_forward.w1.weight' has shape "
                    + Arrays.toString(gate) + " but config.json implies [ffn, " + h + "]");
        }
        return new LayerSizes(heads, kv, gate[0]);
    }

    @Override
    public LayerWeights readLayer(Checkpoint ck, int i) {
        LayerSizes s = layerSizes(ck, i);
        int h = ck.config().hiddenSize(), f = s.ffn(), groups = s.kvHeads(), perGroup = s.heads() / groups;
        String p = "model.layers." + i + ".";
        Tensor wqkv = ck.tensor(p + "attention.wqkv.weight", (s.heads() + 2 * groups) * headDim, h);
        Tensor bias = LlamaAdapter.bias(ck, p + "attention.wqkv.bias", (s.heads() + 2 * groups) * headDim);
        return new LayerWeights(ck.tensor(p + "attention_norm.weight", h), null,
                GroupedQkv.queries(wqkv, headDim, groups, perGroup), bias == null ? null : GroupedQkv.queries(bias, headDim, groups, perGroup),
                GroupedQkv.keys(wqkv, headDim, groups, perGroup), bias == null ? null : GroupedQkv.keys(bias, headDim, groups, perGroup),
                GroupedQkv.values(wqkv, headDim, groups, perGroup), bias == null ? null : GroupedQkv.values(bias, headDim, groups, perGroup),
                ck.tensor(p + "attention.wo.weight", h, s.heads() * headDim), LlamaAdapter.bias(ck, p + "attention.wo.bias", h),
                ck.tensor(p + "ffn_norm.weight", h), null,
                ck.tensor(p + "feed_forward.w1.weight", f, h), null,
                ck.tensor(p + "feed_forward.w3.weight", f, h), null,
                ck.tensor(p + "feed_forward.w2.weight", h, f), LlamaAdapter.bias(ck, p + "feed_forward.w2.bias", h));
    }

    /**
     * InternLM2's bias switch covers wqkv and wo only; a compensated down bias (w2) is written under its own name for
     * Secateur's readers and the ONNX export.
     */
    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias, boolean attentionBias) {
        String p = "model.layers." + i + ".";
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(p + "attention_norm.weight", l.attnNorm());
        out.put(p + "attention.wqkv.weight", GroupedQkv.join(l.q(), l.k(), l.v(), headDim));
        if (l.qBias() != null || attentionBias) {
            out.put(p + "attention.wqkv.bias", GroupedQkv.join(LlamaAdapter.orZeros(l.qBias(), l.q().dim(0), true),
                    LlamaAdapter.orZeros(l.kBias(), l.k().dim(0), true), LlamaAdapter.orZeros(l.vBias(), l.v().dim(0), true), headDim));
        }
        LlamaAdapter.put(out, p + "attention.wo", l.o(), LlamaAdapter.orZeros(l.oBias(), l.o().dim(0), attentionBias));
        out.put(p + "ffn_norm.weight", l.mlpNorm());
        out.put(p + "feed_forward.w1.weight", l.gate());
        out.put(p + "feed_forward.w3.weight", l.up());
        LlamaAdapter.put(out, p + "feed_forward.w2", l.down(), l.downBias());
        return out;
    }

    @Override
    public ObjectNode config(ModelConfig source, List<LayerSizes> sizes, boolean mlpBias, int hiddenSize) {
        ObjectNode c = source.raw().deepCopy();
        c.put("num_hidden_layers", sizes.size());
        if (sizes.stream().distinct().count() == 1) {
            c.put("intermediate_size", sizes.get(0).ffn());
        }
        LayerSizesJson.record(c, sizes);
        return c;
    }

    @Override
    public String attentionBiasKey() {
        return "bias";
    }
}
