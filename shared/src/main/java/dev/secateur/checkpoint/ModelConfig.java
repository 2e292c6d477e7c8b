package dev.secateur.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The typed subset of a Hugging Face config.json that the forward pass and the ONNX graph need.
 * Sizes here are the dense defaults; a pruned model's per-layer sizes are read from its weights.
 *
 * @param slidingWindow the attention window when the architecture applies one (Mistral's sliding_window, Qwen2/3's
 *     when use_sliding_window is true), else null
 * @param raw the original JSON, kept so that a pruned checkpoint can be written back with every field
 */
public record ModelConfig(
        Architecture architecture,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int intermediateSize,
        int vocabSize,
        int maxPositions,
        double ropeTheta,
        RopeScaling ropeScaling,
        double normEps,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        String hiddenAct,
        Integer bosTokenId,
        Integer eosTokenId,
        Integer slidingWindow,
        ObjectNode raw) {

    public int kvGroupSize() {
        return numHeads / numKvHeads;
    }

    public boolean usesRope() {
        return architecture.isLlamaFamily();
    }

    /**
     * The longest sequence every part of the stack computes exactly: max_position_embeddings, or the sliding window
     * when that is shorter. Within the window, sliding-window attention is plain causal attention, so capping the
     * context there keeps the DJL forward, the ONNX graph (which has no window mask) and Hugging Face in agreement;
     * longer calibration/evaluation windows and prompts are refused instead of being computed differently.
     */
    public int contextLength() {
        int n = slidingWindow == null ? maxPositions : Math.min(maxPositions, slidingWindow);
        return ropeScaling == null ? n : Math.min(n, ropeScaling.contextLimit());
    }

    /** Says why {@link #contextLength()} is what it is, for error messages. */
    public String contextLengthReason() {
        if (ropeScaling != null && ropeScaling.contextLimit() < Math.min(maxPositions,
                slidingWindow == null ? Integer.MAX_VALUE : slidingWindow)) {
            return "rope_scaling longrope's original_max_position_embeddings " + ropeScaling.contextLimit()
                    + " < max_position_embeddings " + maxPositions + " (past it, Hugging Face switches to long_factor)";
        }
        return slidingWindow != null && slidingWindow < maxPositions
                ? "sliding_window " + slidingWindow + " < max_position_embeddings " + maxPositions
                : "max_position_embeddings " + maxPositions;
    }

    /** What attention scores are multiplied by: 1/√head_dim, or Gemma 2's query_pre_attn_scalar^−½. */
    public double attentionScale() {
        if (architecture == Architecture.GEMMA2) {
            return 1.0 / Math.sqrt(raw.path("query_pre_attn_scalar").asDouble(256));
        }
        return 1.0 / Math.sqrt(headDim);
    }

    /** Gemma 2's cap c on attention scores (s → c·tanh(s / c), before the causal mask); 0 for none. */
    public double attentionSoftcap() {
        return softcap("attn_logit_softcapping", 50.0);
    }

    /** Gemma 2's cap on the final logits; 0 for none. */
    public double finalSoftcap() {
        return softcap("final_logit_softcapping", 30.0);
    }

    private double softcap(String key, double gemmaDefault) {
        if (architecture != Architecture.GEMMA2) {
            return 0;
        }
        return !raw.has(key) ? gemmaDefault : raw.get(key).isNull() ? 0 : raw.get(key).asDouble();
    }

    /** What token embeddings are multiplied by before the first block: Gemma 2's √hidden_size, else 1. */
    public double embeddingScale() {
        return architecture == Architecture.GEMMA2 ? Math.sqrt(hiddenSize) : 1.0;
    }

    /**
     * How many leading dimensions of each query and key head are rotated: head_dim × partial_rotary_factor (Phi-4-mini:
     * 0.75), the rest passing through unrotated; head_dim when the config has no such factor.
     */
    public int rotaryDim() {
        return rotaryDim(headDim, raw);
    }

    /** head_dim × partial_rotary_factor (1 when the config has none), as Hugging Face truncates it. */
    static int rotaryDim(int headDim, com.fasterxml.jackson.databind.JsonNode config) {
        return (int) (headDim * (config == null ? 1.0 : config.path("partial_rotary_factor").asDouble(1.0)));
    }

    /**
     * Whether the MLP's activation is gelu_new (= gelu_pytorch_tanh: GPT-2's MLP, Gemma 2's gate) rather than silu
     * (the Llama family's gate); any other activation is refused.
     */
    public boolean geluActivation() {
        return switch (hiddenAct) {
            case "silu", "swish" -> false;
            case "gelu_new", "gelu_pytorch_tanh" -> true;
            default -> throw new IllegalArgumentException("activation '" + hiddenAct
                    + "' is not supported (supported: silu, gelu_new, gelu_pytorch_tanh)");
        };
    }
}
