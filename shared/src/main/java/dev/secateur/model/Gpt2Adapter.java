package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GPT2LMHeadModel. Its Conv1D weights are stored [in, out] and q/k/v are fused in c_attn, so both are
 * transposed and split here; on write they are fused back, per layer, with that layer's head count.
 */
final class Gpt2Adapter implements ArchitectureAdapter {

    private static String root(Checkpoint ck) {
        return ck.has("transformer.wte.weight") ? "transformer." : "";
    }

    @Override
    public Embeddings readEmbeddings(Checkpoint ck) {
        ModelConfig c = ck.config();
        return new Embeddings(ck.tensor(root(ck) + "wte.weight", c.vocabSize(), c.hiddenSize()), readPositions(ck));
    }

    @Override
    public Tensor readPositions(Checkpoint ck) {
        ModelConfig c = ck.config();
        return ck.tensor(root(ck) + "wpe.weight", c.maxPositions(), c.hiddenSize());
    }

    @Override
    public String tokenEmbeddingName(Checkpoint ck) {
        return root(ck) + "wte.weight";
    }

    @Override
    public String lmHeadName(Checkpoint ck) {
        return tokenEmbeddingName(ck);
    }

    @Override
    public LayerSizes layerSizes(Checkpoint ck, int i) {
        ModelConfig c = ck.config();
        int h = c.hiddenSize(), hd = c.headDim();
        String p = root(ck) + "h." + i + ".";
        int[] qkvShape = ck.shape(p + "attn.c_attn.weight");
        if (qkvShape.length != 2 || qkvShape[0] != h || qkvShape[1] % (3 * hd) != 0 || qkvShape[1] == 0) {
            throw new CheckpointException(ck.dir() + ": tensor '" + p + "attn.c_attn.weight' has shape "
                    + java.util.Arrays.toString(qkvShape) + " but config.json implies [" + h + ", 3 × heads × " + hd + "]");
        }
        int[] fc = ck.shape(p + "mlp.c_fc.weight");
        if (fc.length != 2 || fc[0] != h) {
            throw new CheckpointException(ck.dir() + ": tensor '" + p + "mlp.c_fc.weight' has shape " + java.util.Arrays.toString(fc)
                    + " but config.json implies [" + h + ", ffn]");
        }
        int heads = qkvShape[1] / 3 / hd;
        return new LayerSizes(heads, heads, fc[1]);
    }

    @Override
    public LayerWeights readLayer(Checkpoint ck, int i) {
        LayerSizes s = layerSizes(ck, i);
        int h = ck.config().hiddenSize();
        int qd = s.heads() * ck.config().headDim(), ffn = s.ffn();
        String p = root(ck) + "h." + i + ".";
        Tensor qkv = ck.tensor(p + "attn.c_attn.weight").transpose();
        Tensor qkvBias = ck.tensor(p + "attn.c_attn.bias", 3 * qd);
        return new LayerWeights(
                ck.tensor(p + "ln_1.weight", h), ck.tensor(p + "ln_1.bias", h),
                qkv.sliceRows(0, qd), qkvBias.sliceRows(0, qd),
                qkv.sliceRows(qd, 2 * qd), qkvBias.sliceRows(qd, 2 * qd),
                qkv.sliceRows(2 * qd, 3 * qd), qkvBias.sliceRows(2 * qd, 3 * qd),
                ck.tensor(p + "attn.c_proj.weight", qd, h).transpose(), ck.tensor(p + "attn.c_proj.bias", h),
                ck.tensor(p + "ln_2.weight", h), ck.tensor(p + "ln_2.bias", h),
                null, null,
                ck.tensor(p + "mlp.c_fc.weight", h, ffn).transpose(), ck.tensor(p + "mlp.c_fc.bias", ffn),
                ck.tensor(p + "mlp.c_proj.weight", ffn, h).transpose(), ck.tensor(p + "mlp.c_proj.bias", h));
    }

    @Override
    public Head readHead(Checkpoint ck, boolean withLmHead) {
        int h = ck.config().hiddenSize();
        String root = root(ck);
        return new Head(ck.tensor(root + "ln_f.weight", h), ck.tensor(root + "ln_f.bias", h), null);
    }

    @Override
    public boolean tied(Checkpoint ck) {
        return true;
    }

    @Override
    public Map<String, Tensor> writeEmbeddings(Embeddings e) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("transformer.wte.weight", e.tokens());
        out.put("transformer.wpe.weight", e.positions());
        return out;
    }

    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias) {
        Map<String, Tensor> out = new LinkedHashMap<>();
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
        return out;
    }

    @Override
    public Map<String, Tensor> writeHead(Head h) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("transformer.ln_f.weight", h.norm());
        out.put("transformer.ln_f.bias", h.normBias());
        return out;
    }

    @Override
    public ObjectNode config(ModelConfig source, List<LayerSizes> sizes, boolean mlpBias, int hiddenSize) {
        if (hiddenSize != source.hiddenSize()) {
            throw new IllegalArgumentException("GPT-2's LayerNorm blocks are not hidden-pruned (n_embd stays " + source.hiddenSize() + ")");
        }
        ObjectNode c = source.raw().deepCopy();
        c.put("n_layer", sizes.size());
        if (sizes.stream().distinct().count() == 1) {
            // GPT2MLP builds n_inner neurons (4 × n_embd when null): a pruned width must be stated to load
            c.put("n_inner", sizes.get(0).ffn());
        }
        LayerSizesJson.record(c, sizes);
        return c;
    }
}
