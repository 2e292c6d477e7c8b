package dev.secateur.model;

import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An ungated block under Llama's layout (model.layers.N., input_layernorm with a bias, self_attn.q_proj / k_proj /
 * v_proj) whose output projection, MLP and second norm have the architecture's own names: StarCoder2's o_proj, c_fc,
 * c_proj and post_attention_layernorm; Phi's dense, fc1, fc2 and no second norm.
 *
 * @param mlpNorm the norm before the MLP, or null where attention's normed input feeds it (Phi's parallel block)
 */
record UngatedBlockNames(String o, String up, String down, String mlpNorm) {

    LayerWeights read(Checkpoint ck, LayerSizes sizes, int i) {
        BlockShape b = BlockShape.of(ck, sizes, i);
        int h = b.hidden(), q = b.qRows(), kv = b.kvRows(), f = b.ffn();
        String p = b.prefix();
        return new LayerWeights(ck.tensor(p + "input_layernorm.weight", h), ck.tensor(p + "input_layernorm.bias", h),
                ck.tensor(p + "self_attn.q_proj.weight", q, h), LlamaAdapter.bias(ck, p + "self_attn.q_proj.bias", q),
                ck.tensor(p + "self_attn.k_proj.weight", kv, h), LlamaAdapter.bias(ck, p + "self_attn.k_proj.bias", kv),
                ck.tensor(p + "self_attn.v_proj.weight", kv, h), LlamaAdapter.bias(ck, p + "self_attn.v_proj.bias", kv),
                ck.tensor(p + o + ".weight", h, q), LlamaAdapter.bias(ck, p + o + ".bias", h),
                mlpNorm == null ? null : ck.tensor(p + mlpNorm + ".weight", h), mlpNorm == null ? null : ck.tensor(p + mlpNorm + ".bias", h),
                null, null,
                ck.tensor(p + up + ".weight", f, h), LlamaAdapter.bias(ck, p + up + ".bias", f),
                ck.tensor(p + down + ".weight", h, f), LlamaAdapter.bias(ck, p + down + ".bias", h));
    }

    /** @param biases whether every linear bias is written, zeros where the block has none */
    Map<String, Tensor> write(int i, LayerWeights l, boolean biases) {
        String p = "model.layers." + i + ".";
        Map<String, Tensor> out = new LinkedHashMap<>();
        LlamaAdapter.put(out, p + "input_layernorm", l.attnNorm(), l.attnNormBias());
        LlamaAdapter.put(out, p + "self_attn.q_proj", l.q(), LlamaAdapter.orZeros(l.qBias(), l.q().dim(0), biases));
        LlamaAdapter.put(out, p + "self_attn.k_proj", l.k(), LlamaAdapter.orZeros(l.kBias(), l.k().dim(0), biases));
        LlamaAdapter.put(out, p + "self_attn.v_proj", l.v(), LlamaAdapter.orZeros(l.vBias(), l.v().dim(0), biases));
        LlamaAdapter.put(out, p + o, l.o(), LlamaAdapter.orZeros(l.oBias(), l.o().dim(0), biases));
        if (mlpNorm != null) {
            LlamaAdapter.put(out, p + mlpNorm, l.mlpNorm(), l.mlpNormBias());
        }
        LlamaAdapter.put(out, p + up, l.up(), LlamaAdapter.orZeros(l.upBias(), l.ffnWidth(), biases));
        LlamaAdapter.put(out, p + down, l.down(), LlamaAdapter.orZeros(l.downBias(), l.down().dim(0), biases));
        return out;
    }
}
