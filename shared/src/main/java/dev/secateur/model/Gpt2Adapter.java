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
 * GPT2LMHeadModel. Its Conv1D weights are stored [in, out] and q/k/v are fused in c_attn, so both are
 * transposed and split here; on write they are fused back, per layer, with that layer's head count.
 */
final class Gpt2Adapter implements ArchitectureAdapter {

    @Override
    public DecoderWeights read(Checkpoint ck) {
        ModelConfig c = ck.config();
        String root = ck.has("transformer.wte.weight") ? "transformer." : "";
        int h = c.hiddenSize(), hd = c.headDim();
        Tensor wte = ck.tensor(root + "wte.weight", c.vocabSize(), h);
        Tensor wpe = ck.tensor(root + "wpe.weight", c.maxPositions(), h);
        List<LayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            String p = root + "h." + i + ".";
            int[] qkvShape = ck.shape(p + "attn.c_attn.weight");
            if (qkvShape.length != 2 || qkvShape[0] != h || qkvShape[1] % (3 * hd) != 0 || qkvShape[1] == 0) {
                throw new CheckpointException(ck.dir() + ": tensor '" + p + "attn.c_attn.weight' has shape "
                        + java.util.Arrays.toString(qkvShape) + " but config.json implies [" + h + ", 3 × heads × " + hd + "]");
            }
            int qd = qkvShape[1] / 3;
            Tensor qkv = ck.tensor(p + "attn.c_attn.weight").transpose();
            Tensor qkvBias = ck.tensor(p + "attn.c_attn.bias", 3 * qd);
            int ffn = ck.shape(p + "mlp.c_fc.weight")[1];
            layers.add(new LayerWeights(
                    ck.tensor(p + "ln_1.weight", h), ck.tensor(p + "ln_1.bias", h),
                    qkv.sliceRows(0, qd), qkvBias.sliceRows(0, qd),
                    qkv.sliceRows(qd, 2 * qd), qkvBias.sliceRows(qd, 2 * qd),
                    qkv.sliceRows(2 * qd, 3 * qd), qkvBias.sliceRows(2 * qd, 3 * qd),
                    ck.tensor(p + "attn.c_proj.weight", qd, h).transpose(), ck.tensor(p + "attn.c_proj.bias", h),
                    ck.tensor(p + "ln_2.weight", h), ck.tensor(p + "ln_2.bias", h),
                    null, null,
                    ck.tensor(p + "mlp.c_fc.weight", h, ffn).transpose(), ck.tensor(p + "mlp.c_fc.bias", ffn),
                    ck.tensor(p + "mlp.c_proj.weight", ffn, h).transpose(), ck.tensor(p + "mlp.c_proj.bias", h)));
        }
        return new DecoderWeights(c, wte, wpe, layers, ck.tensor(root + "ln_f.weight", h), ck.tensor(root + "ln_f.bias", h), wte);
    }

    @Override
    public Map<String, Tensor> write(DecoderWeights w) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("transformer.wte.weight", w.tokenEmbedding());
        out.put("transformer.wpe.weight", w.positionEmbedding());
        for (int i = 0; i < w.layers().size(); i++) {
            LayerWeights l = w.layers().get(i);
            String p = "transformer.h." + i + ".";
            out.put(p + "ln_1.weight", l.attnNorm());
            out.put(p + "ln_1.bias", l.attnNormBias());
            out.put(p + "attn.c_attn.weight", Tensor.concatRows(l.q(), l.k(), l.v()).transpose());
            out.put(p + "attn.c_attn.bias", Tensor.concatRows(l.qBias(), l.kBias(), l.vBias()));
            out.put(p + "attn.c_proj.weight", l.o().transpose());
            out.put(p + "attn.c_proj.bias", l.oBias());
            out.put(p + "ln_2.weight", l.mlpNorm());
            out.put(p + "ln_2.bias", l.mlpNormBias());
            out.put(p + "mlp.c_fc.weight", l.up().transpose());
            out.put(p + "mlp.c_fc.bias", l.upBias());
            out.put(p + "mlp.c_proj.weight", l.down().transpose());
            out.put(p + "mlp.c_proj.bias", l.downBias());
        }
        out.put("transformer.ln_f.weight", w.finalNorm());
        out.put("transformer.ln_f.bias", w.finalNormBias());
        return out;
    }

    @Override
    public ObjectNode config(DecoderWeights w) {
        ObjectNode c = w.config().raw().deepCopy();
        c.put("n_layer", w.layers().size());
        LayerSizesJson.record(c, w);
        return c;
    }
}
