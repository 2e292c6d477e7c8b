package dev.secateur.prune.sparsity;

import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.model.CaptureSite;

/**
 * The linear layers of a block that weight sparsity prunes, each with the capture site that holds its input X:
 * q/k/v read the attention input, o the concatenated head outputs, gate/up the FFN input and down the FFN
 * intermediate activations. Layers that read the same input share one Gram matrix. Encoder blocks use the same
 * canonical names (up = intermediate.dense, down = output.dense) and have no gate.
 */
public enum LinearSite {
    Q("q_proj", CaptureSite.ATTENTION_INPUT),
    K("k_proj", CaptureSite.ATTENTION_INPUT),
    V("v_proj", CaptureSite.ATTENTION_INPUT),
    O("o_proj", CaptureSite.ATTENTION_HEADS),
    GATE("gate_proj", CaptureSite.FFN_INPUT),
    UP("up_proj", CaptureSite.FFN_INPUT),
    DOWN("down_proj", CaptureSite.FFN_INTERMEDIATE);

    private final String matrix;
    private final CaptureSite input;

    LinearSite(String matrix, CaptureSite input) {
        this.matrix = matrix;
        this.input = input;
    }

    /** The matrix's name within a block, as Hugging Face's Llama modules name it. */
    public String matrix() {
        return matrix;
    }

    public CaptureSite input() {
        return input;
    }

    /** This layer's weight [out, in] in the block, or null when the block has none (no gate in GPT-2 or BERT). */
    public Tensor weight(LayerWeights w) {
        return switch (this) {
            case Q -> w.q();
            case K -> w.k();
            case V -> w.v();
            case O -> w.o();
            case GATE -> w.gate();
            case UP -> w.up();
            case DOWN -> w.down();
        };
    }

    /** The block with this layer's weight replaced; biases and every other tensor unchanged. */
    public LayerWeights with(LayerWeights w, Tensor t) {
        return switch (this) {
            case Q -> w.withAttention(t, w.qBias(), w.k(), w.kBias(), w.v(), w.vBias(), w.o(), w.oBias());
            case K -> w.withAttention(w.q(), w.qBias(), t, w.kBias(), w.v(), w.vBias(), w.o(), w.oBias());
            case V -> w.withAttention(w.q(), w.qBias(), w.k(), w.kBias(), t, w.vBias(), w.o(), w.oBias());
            case O -> w.withAttention(w.q(), w.qBias(), w.k(), w.kBias(), w.v(), w.vBias(), t, w.oBias());
            case GATE -> w.withMlp(t, w.gateBias(), w.up(), w.upBias(), w.down(), w.downBias());
            case UP -> w.withMlp(w.gate(), w.gateBias(), t, w.upBias(), w.down(), w.downBias());
            case DOWN -> w.withMlp(w.gate(), w.gateBias(), w.up(), w.upBias(), t, w.downBias());
        };
    }
}
