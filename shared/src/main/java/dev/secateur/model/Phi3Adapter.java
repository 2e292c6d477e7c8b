package dev.secateur.model;

import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Phi3ForCausalLM: Llama's block and names except two fused projections, which are split on read and fused again on
 * write. self_attn.qkv_proj holds the query rows, then the key rows, then the value rows ([(H + 2G)·head_dim, hidden]);
 * mlp.gate_up_proj the gate rows, then the up rows ([2F, hidden]), as Hugging Face's Phi3Attention and Phi3MLP slice
 * them. Embeddings, norms and the head are Llama's. A block's sizes come from its weights: o_proj's columns give the
 * query heads (a pruned model's differ per layer), the rest of qkv_proj's rows the key/value heads.
 */
final class Phi3Adapter extends LlamaVariantAdapter {

    @Override
    public LayerSizes layerSizes(Checkpoint ck, int i) {
        ModelConfig c = ck.config();
        int h = c.hiddenSize(), hd = c.headDim();
        String p = "model.layers." + i + ".";
        int[] o = ck.shape(p + "self_attn.o_proj.weight");
        if (o.length != 2 || o[0] != h || o[1] == 0 || o[1] % hd != 0) {
            throw new CheckpointException(ck.dir() + ": tensor '" + p + "self_attn.o_proj.weight' has shape "
                    + Arrays.toString(o) + " but config.json implies [" + h + ", heads × " + hd + "]");
        }
        int heads = o[1] / hd;
        int qkvRows = LlamaAdapter.rows(ck, p + "self_attn.qkv_proj.weight", h, hd);
        int kvRows = (qkvRows - heads * hd) / 2;
        if (kvRows <= 0 || qkvRows - heads * hd != 2 * kvRows || kvRows % hd != 0 || heads % (kvRows / hd) != 0) {
            throw new CheckpointException(ck.dir() + ": tensor '" + p + "self_attn.qkv_proj.weight' has " + qkvRows
                    + " rows; with " + heads + " query heads of " + hd + " (from o_proj) it must hold "
                    + "(heads + 2 × key/value heads) × " + hd + " rows, heads a multiple of key/value heads");
        }
        int[] gateUp = ck.shape(p + "mlp.gate_up_proj.weight");
        if (gateUp.length != 2 || gateUp[1] != h || gateUp[0] == 0 || gateUp[0] % 2 != 0) {
            throw new CheckpointException(ck.dir() + ": tensor '" + p + "mlp.gate_up_proj.weight' has shape "
                    + Arrays.toString(gateUp) + " but config.json implies [2 × ffn, " + h + "]");
        }
        return new LayerSizes(heads, kvRows / hd, gateUp[0] / 2);
    }

    @Override
    public LayerWeights readLayer(Checkpoint ck, int i) {
        BlockShape b = BlockShape.of(ck, layerSizes(ck, i), i);
        int h = b.hidden(), q = b.qRows(), kv = b.kvRows(), f = b.ffn();
        String p = b.prefix();
        Tensor qkv = ck.tensor(p + "self_attn.qkv_proj.weight", q + 2 * kv, h);
        Tensor qkvBias = LlamaAdapter.bias(ck, p + "self_attn.qkv_proj.bias", q + 2 * kv);
        Tensor gateUp = ck.tensor(p + "mlp.gate_up_proj.weight", 2 * f, h);
        Tensor gateUpBias = LlamaAdapter.bias(ck, p + "mlp.gate_up_proj.bias", 2 * f);
        return new LayerWeights(
                ck.tensor(p + "input_layernorm.weight", h), null,
                qkv.sliceRows(0, q), rows(qkvBias, 0, q),
                qkv.sliceRows(q, q + kv), rows(qkvBias, q, q + kv),
                qkv.sliceRows(q + kv, q + 2 * kv), rows(qkvBias, q + kv, q + 2 * kv),
                ck.tensor(p + "self_attn.o_proj.weight", h, q), LlamaAdapter.bias(ck, p + "self_attn.o_proj.bias", h),
                ck.tensor(p + "post_attention_layernorm.weight", h), null,
                gateUp.sliceRows(0, f), rows(gateUpBias, 0, f),
                gateUp.sliceRows(f, 2 * f), rows(gateUpBias, f, 2 * f),
                ck.tensor(p + "mlp.down_proj.weight", h, f), LlamaAdapter.bias(ck, p + "mlp.down_proj.bias", h));
    }

    private static Tensor rows(Tensor t, int from, int to) {
        return t == null ? null : t.sliceRows(from, to);
    }

    /**
     * Hugging Face's Phi-3 has no bias switches (every projection is bias-free there), so biases a compensation added
     * (down_proj's, o_proj's) are written only where they exist, under their own names: Secateur's readers and the
     * ONNX export read them.
     */
    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        String p = "model.layers." + i + ".";
        out.put(p + "input_layernorm.weight", l.attnNorm());
        LlamaAdapter.put(out, p + "self_attn.qkv_proj", Tensor.concatRows(l.q(), l.k(), l.v()),
                fused(new Tensor[] {l.qBias(), l.kBias(), l.vBias()}, new int[] {l.q().dim(0), l.k().dim(0), l.v().dim(0)}));
        LlamaAdapter.put(out, p + "self_attn.o_proj", l.o(), l.oBias());
        out.put(p + "post_attention_layernorm.weight", l.mlpNorm());
        LlamaAdapter.put(out, p + "mlp.gate_up_proj", Tensor.concatRows(l.gate(), l.up()),
                fused(new Tensor[] {l.gateBias(), l.upBias()}, new int[] {l.ffnWidth(), l.ffnWidth()}));
        LlamaAdapter.put(out, p + "mlp.down_proj", l.down(), l.downBias());
        return out;
    }

    /** The parts' biases stacked as their weights are (zeros for a part without one), or null when none has one. */
    private static Tensor fused(Tensor[] biases, int[] sizes) {
        if (Arrays.stream(biases).allMatch(b -> b == null)) {
            return null;
        }
        Tensor[] parts = new Tensor[biases.length];
        for (int k = 0; k < biases.length; k++) {
            parts[k] = biases[k] != null ? biases[k] : Tensor.zeros(sizes[k]);
        }
        return Tensor.concatRows(parts);
    }

}
