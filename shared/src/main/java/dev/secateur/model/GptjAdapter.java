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
 * GPTJForCausalLM. Tensors live under transformer. (wte, h.N, ln_f) beside lm_head, which has a bias. A block is ln_1,
 * attn.q_proj / k_proj / v_proj / out_proj (no biases) and mlp.fc_in / fc_out (with biases), computed side by side from
 * the one norm as Phi's is.
 *
 * <p>GPT-J rotates each head's first rotary_dim dimensions in interleaved pairs (2j, 2j + 1), where the canonical block
 * rotates (j, j + rotary_dim / 2) at the same frequency. Reordering the rows of q_proj and k_proj the same way inside
 * every head turns one into the other and leaves every q·k product, and so the model, as it was; the rows are put back
 * in GPT-J's order on write.
 */
final class GptjAdapter extends OwnNamesAdapter {
    private static final String ROOT = "transformer.";

    private final int headDim;
    private final int rotaryDim;

    GptjAdapter(ModelConfig config) {
        super(ROOT + "wte.weight", ROOT + "ln_f", "lm_head", true, config);
        this.headDim = config.headDim();
        this.rotaryDim = config.rotaryDim();
    }

    @Override
    public LayerSizes layerSizes(Checkpoint ck, int i) {
        ModelConfig c = ck.config();
        int h = c.hiddenSize(), hd = c.headDim();
        String p = ROOT + "h." + i + ".";
        int q = LlamaAdapter.rows(ck, p + "attn.q_proj.weight", h, hd), kv = LlamaAdapter.rows(ck, p + "attn.k_proj.weight", h, hd);
        if (q != kv || q == 0) {
            throw new CheckpointException(ck.dir() + ": layer " + i + " has " + q / hd + " query heads and " + kv / hd
                    + " key heads; GPT-J has as many of each");
        }
        int[] up = ck.shape(p + "mlp.fc_in.weight");
        if (up.length != 2 || up[1] != h || up[0] == 0) {
            throw new CheckpointException(ck.dir() + ": tensor '" + p + "mlp.fc_in.weight' has shape "
                    + java.util.Arrays.toString(up) + " but config.json implies [ffn, " + h + "]");
        }
        return new LayerSizes(q / hd, q / hd, up[0]);
    }

    @Override
    public LayerWeights readLayer(Checkpoint ck, int i) {
        LayerSizes s = layerSizes(ck, i);
        int h = ck.config().hiddenSize(), rows = s.heads() * headDim, f = s.ffn();
        String p = ROOT + "h." + i + ".";
        int[] toHalves = order(s.heads(), false);
        return new LayerWeights(ck.tensor(p + "ln_1.weight", h), ck.tensor(p + "ln_1.bias", h),
                ck.tensor(p + "attn.q_proj.weight", rows, h).selectRows(toHalves), null,
                ck.tensor(p + "attn.k_proj.weight", rows, h).selectRows(toHalves), null,
                ck.tensor(p + "attn.v_proj.weight", rows, h), null,
                ck.tensor(p + "attn.out_proj.weight", h, rows), null,
                null, null,
                null, null,
                ck.tensor(p + "mlp.fc_in.weight", f, h), LlamaAdapter.bias(ck, p + "mlp.fc_in.bias", f),
                ck.tensor(p + "mlp.fc_out.weight", h, f), LlamaAdapter.bias(ck, p + "mlp.fc_out.bias", h));
    }

    /**
     * Row order within every head: to the canonical halves (row j takes GPT-J's 2j, row rotary/2 + j its 2j + 1), or
     * back ({@code toGptj}); rows past rotary_dim stay where they are.
     */
    private int[] order(int heads, boolean toGptj) {
        int[] idx = new int[heads * headDim];
        int half = rotaryDim / 2;
        for (int head = 0; head < heads; head++) {
            int base = head * headDim;
            for (int d = 0; d < headDim; d++) {
                idx[base + d] = base + d;
            }
            for (int j = 0; j < half; j++) {
                if (toGptj) {
                    idx[base + 2 * j] = base + j;
                    idx[base + 2 * j + 1] = base + half + j;
                } else {
                    idx[base + j] = base + 2 * j;
                    idx[base + half + j] = base + 2 * j + 1;
                }
            }
        }
        return idx;
    }

    /**
     * GPT-J's attention has no biases; a compensated out_proj bias joins the residual beside the MLP's output in this
     * block, so it is folded into fc_out's bias, where Hugging Face reads it. fc_in's and fc_out's biases are always
     * written (zeros when absent), since GPTJMLP has them and would initialise missing ones at random.
     */
    @Override
    public Map<String, Tensor> writeLayer(int i, LayerWeights l, boolean mlpBias, boolean attentionBias) {
        if (l.qBias() != null || l.kBias() != null || l.vBias() != null) {
            throw new IllegalStateException("GPT-J's q/k/v projections have no bias to write (layer " + i + ")");
        }
        String p = ROOT + "h." + i + ".";
        int heads = l.numHeads(headDim);
        int[] toGptj = order(heads, true);
        Map<String, Tensor> out = new LinkedHashMap<>();
        LlamaAdapter.put(out, p + "ln_1", l.attnNorm(), l.attnNormBias());
        out.put(p + "attn.q_proj.weight", l.q().selectRows(toGptj));
        out.put(p + "attn.k_proj.weight", l.k().selectRows(toGptj));
        out.put(p + "attn.v_proj.weight", l.v());
        out.put(p + "attn.out_proj.weight", l.o());
        LlamaAdapter.put(out, p + "mlp.fc_in", l.up(), LlamaAdapter.orZeros(l.upBias(), l.ffnWidth(), true));
        Tensor down = LlamaAdapter.orZeros(l.downBias(), l.down().dim(0), true);
        if (l.oBias() != null) {
            float[] sum = down.data().clone();
            for (int c = 0; c < sum.length; c++) {
                sum[c] += l.oBias().data()[c];
            }
            down = new Tensor(down.shape(), sum);
        }
        LlamaAdapter.put(out, p + "mlp.fc_out", l.down(), down);
        return out;
    }

    /** GPTJConfig's keys: n_layer, and n_inner when every layer keeps the same width (heads are never removed). */
    @Override
    public ObjectNode config(ModelConfig source, List<LayerSizes> sizes, boolean mlpBias, int hiddenSize) {
        ObjectNode c = source.raw().deepCopy();
        c.put("n_layer", sizes.size());
        if (sizes.stream().distinct().count() == 1) {
            c.put("n_inner", sizes.get(0).ffn());
        }
        LayerSizesJson.record(c, sizes);
        return c;
    }
}
