package dev.secateur.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The typed subset of a Hugging Face config.json that the forward pass and the ONNX graph need.
 * Sizes here are the dense defaults; a pruned model's per-layer sizes are read from its weights.
 *
 * @param slidingWindow the attention window when the architecture applies one (Mistral's sliding_window, Qwen2/3's
 *     when use_sliding_window is true), else null; which layers it applies to: {@link #windowOf(int)}
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
     * The longest sequence the stack computes: max_position_embeddings, or longrope's original length when that is
     * shorter (past it Hugging Face switches to long_factor, which is not built). A sliding window does not shorten
     * it: windowed layers are masked as Hugging Face masks them ({@link #windowOf(int)}).
     */
    public int contextLength() {
        return ropeScaling == null ? maxPositions : Math.min(maxPositions, ropeScaling.contextLimit());
    }

    /** Says why {@link #contextLength()} is what it is, for error messages. */
    public String contextLengthReason() {
        if (ropeScaling != null && ropeScaling.contextLimit() < maxPositions) {
            return "rope_scaling longrope's original_max_position_embeddings " + ropeScaling.contextLimit()
                    + " < max_position_embeddings " + maxPositions + " (past it, Hugging Face switches to long_factor)";
        }
        return "max_position_embeddings " + maxPositions;
    }

    /**
     * The attention window of layer {@code layer}, or null where it attends to the whole prefix: a query at position
     * q sees keys at positions k with q − window &lt; k ≤ q (Hugging Face's sliding_window_overlay). Which layers slide:
     * config.json's layer_types where given (what transformers writes since 4.54, and Secateur for a model that lost
     * layers), else the architecture's rule: every layer for Mistral and Phi-3, the even ones for Gemma 2, all but each
     * sliding_window_pattern-th (6) for Gemma 3, those from max_window_layers (28) on for Qwen2/3.
     */
    public Integer windowOf(int layer) {
        return slidingWindow != null && slides(layer) ? slidingWindow : null;
    }

    /** Whether any layer is windowed. */
    public boolean hasWindowedLayers() {
        for (int i = 0; i < numLayers; i++) {
            if (windowOf(i) != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * Layer {@code layer}'s entry in Hugging Face's layer_types: sliding_attention for a windowed layer (or Gemma 3's
     * local-rotary one), else full_attention. Written for the kept layers when layers are dropped, because the
     * architecture's rules count layers from the first.
     */
    public String layerType(int layer) {
        return windowOf(layer) != null || localRotary(layer) ? "sliding_attention" : "full_attention";
    }

    /** Whether layers differ by kind (window or rotary base), so that a model that loses layers must list them. */
    public boolean hasLayerKinds() {
        return slidingWindow != null || hasLocalRotary();
    }

    /** Whether some rotary layers do not rotate (SmolLM3's NoPE layers), so that a model that loses layers must list them. */
    public boolean hasUnrotatedLayers() {
        for (int i = 0; i < numLayers; i++) {
            if (usesRope() && !rotates(i)) {
                return true;
            }
        }
        return false;
    }

    private boolean slides(int layer) {
        com.fasterxml.jackson.databind.JsonNode types = raw == null ? null : raw.get("layer_types");
        if (types != null && types.isArray()) {
            return "sliding_attention".equals(types.path(layer).asText());
        }
        return switch (architecture) {
            case GEMMA2 -> layer % 2 == 0;
            case GEMMA3 -> (layer + 1) % raw.path("sliding_window_pattern").asInt(6) != 0;
            // Olmo3Config's layer_types default: every fourth layer attends to the whole prefix
            case OLMO3 -> (layer + 1) % 4 != 0;
            case QWEN2, QWEN3 -> layer >= raw.path("max_window_layers").asInt(28);
            // SmolLM3Config: with use_sliding_window, the NoPE layers slide
            case SMOLLM3 -> !rotates(layer);
            default -> true;
        };
    }

    /**
     * Whether layer {@code layer} rotates its queries and keys: SmolLM3 leaves every fourth layer without positions
     * (no_rope_layers[i] = 0, or by default each no_rope_layer_interval-th layer); every other rotary model rotates all.
     */
    public boolean rotates(int layer) {
        if (!usesRope()) {
            return false;
        }
        if (architecture != Architecture.SMOLLM3) {
            return true;
        }
        com.fasterxml.jackson.databind.JsonNode flags = raw.get("no_rope_layers");
        if (flags != null && flags.isArray()) {
            return flags.path(layer).asInt(1) != 0;
        }
        return (layer + 1) % raw.path("no_rope_layer_interval").asInt(4) != 0;
    }

    /**
     * Whether layer {@code layer} turns at a rotary base of its own: Gemma 3's sliding layers use
     * {@link #localRopeTheta()} without rope_scaling; every other layer rope_theta with rope_scaling.
     */
    public boolean localRotary(int layer) {
        return architecture == Architecture.GEMMA3 && slides(layer);
    }

    /** Whether some layers turn at a rotary base of their own (Gemma 3's sliding layers). */
    public boolean hasLocalRotary() {
        for (int i = 0; i < numLayers; i++) {
            if (localRotary(i)) {
                return true;
            }
        }
        return false;
    }

    /** Gemma 3's rope_local_base_freq (10,000; in a transformers 5 config, rope_parameters.sliding_attention.rope_theta). */
    public double localRopeTheta() {
        return localRopeTheta(raw);
    }

    static double localRopeTheta(com.fasterxml.jackson.databind.JsonNode config) {
        com.fasterxml.jackson.databind.JsonNode local = config.path("rope_parameters").path("sliding_attention");
        return local.hasNonNull("rope_theta") ? local.get("rope_theta").asDouble()
                : config.path("rope_local_base_freq").asDouble(10000.0);
    }

    /** What attention scores are multiplied by: 1/√head_dim, Gemma 2's and 3's query_pre_attn_scalar^−½, or Granite's attention_multiplier. */
    public double attentionScale() {
        if (architecture == Architecture.GRANITE) {
            return raw.path("attention_multiplier").asDouble(1.0);
        }
        if (architecture.isGemma() && architecture != Architecture.GEMMA) {
            return 1.0 / Math.sqrt(raw.path("query_pre_attn_scalar").asDouble(256));
        }
        return 1.0 / Math.sqrt(headDim);
    }

    /**
     * Gemma's cap c on attention scores (s → c·tanh(s / c), before the causal mask); 0 for none. Gemma 2's configs
     * default to 50 (final: 30) when the key is absent, Gemma 3's to none.
     */
    public double attentionSoftcap() {
        return softcap("attn_logit_softcapping", 50.0);
    }

    /** Gemma's cap on the final logits; 0 for none. */
    public double finalSoftcap() {
        return softcap("final_logit_softcapping", 30.0);
    }

    private double softcap(String key, double gemmaDefault) {
        // GemmaConfig (the first Gemma) has no caps: Hugging Face ignores the keys there
        if (!architecture.isGemma() || architecture == Architecture.GEMMA) {
            return 0;
        }
        if (!raw.has(key)) {
            return architecture == Architecture.GEMMA2 ? gemmaDefault : 0;
        }
        return raw.get(key).isNull() ? 0 : raw.get(key).asDouble();
    }

    /**
     * What token embeddings are multiplied by before the first block: Gemma's √hidden_size, Granite's
     * embedding_multiplier, MiniCPM's scale_emb, else 1.
     */
    public double embeddingScale() {
        if (architecture == Architecture.GRANITE) {
            return raw.path("embedding_multiplier").asDouble(1.0);
        }
        if (architecture == Architecture.MINICPM) {
            return raw.path("scale_emb").asDouble(1.0);
        }
        return architecture.isGemma() ? Math.sqrt(hiddenSize) : 1.0;
    }

    /**
     * Whether attention and MLP read the same block input (each through its own norm) and both updates join the residual
     * at once, x + attn(ln1(x)) + mlp(ln2(x)): GPT-NeoX's use_parallel_residual (true by default); Phi's and GPT-J's
     * block, where one norm feeds both (its layers carry no MLP norm); Falcon's parallel_attn (true by default) or new
     * decoder architecture, with one norm or two.
     */
    public boolean parallelResidual() {
        return architecture == Architecture.PHI || architecture == Architecture.GPTJ
                || architecture == Architecture.FALCON
                        && (raw.path("new_decoder_architecture").asBoolean(false) || raw.path("parallel_attn").asBoolean(true))
                || architecture == Architecture.GPT_NEOX && raw.path("use_parallel_residual").asBoolean(true);
    }

    /**
     * The row of the learned position table that position 0 reads: OPT's OPTLearnedPositionalEmbedding keeps two rows
     * before the first position (its table has max_position_embeddings + 2 rows); 0 elsewhere.
     */
    public int positionOffset() {
        return architecture == Architecture.OPT ? 2 : 0;
    }

    /**
     * What each block's attention and MLP updates are multiplied by before they join the residual stream: Granite's
     * residual_multiplier, MiniCPM's scale_depth / √num_hidden_layers, else 1.
     */
    public double residualMultiplier() {
        return switch (architecture) {
            case GRANITE -> raw.path("residual_multiplier").asDouble(1.0);
            case MINICPM -> raw.path("scale_depth").asDouble(1.0) / Math.sqrt(numLayers);
            default -> 1.0;
        };
    }

    /** What the logits are divided by: Granite's logits_scaling, MiniCPM's hidden_size / dim_model_base, else 1. */
    public double logitsScaling() {
        return switch (architecture) {
            case GRANITE -> raw.path("logits_scaling").asDouble(1.0);
            case MINICPM -> hiddenSize / raw.path("dim_model_base").asDouble(1.0); // MiniCPMConfig's default is 1
            default -> 1.0;
        };
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
        com.fasterxml.jackson.databind.JsonNode f = partialRotaryFactor(config);
        return (int) (headDim * (f == null ? 1.0 : f.asDouble(1.0)));
    }

    /** partial_rotary_factor at the top level, or where transformers 5 writes it (rope_parameters); null if neither. */
    static com.fasterxml.jackson.databind.JsonNode partialRotaryFactor(com.fasterxml.jackson.databind.JsonNode config) {
        if (config == null) {
            return null;
        }
        com.fasterxml.jackson.databind.JsonNode top = config.get("partial_rotary_factor");
        return top != null && !top.isNull() ? top : config.path("rope_parameters").get("partial_rotary_factor");
    }

    /** The MLP activations Secateur computes, each the same in the DJL forward, the ONNX graph and the reference. */
    public enum Activation {
        /** x·σ(x): the Llama family's gate. */
        SILU,
        /** 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))): gelu_new and gelu_pytorch_tanh (GPT-2's MLP, Gemma's gate). */
        GELU_TANH,
        /** max(x, 0)²: Nemotron's relu2. */
        RELU_SQUARED,
        /** 0.5·x·(1 + erf(x/√2)): the exact GELU (GPT-NeoX's gelu). */
        GELU_ERF,
        /** max(x, 0): OPT's relu. */
        RELU
    }

    /** The MLP's activation (its gate's, where it has one); any activation but those above is refused. */
    public Activation mlpActivation() {
        return switch (hiddenAct) {
            case "silu", "swish" -> Activation.SILU;
            case "gelu_new", "gelu_pytorch_tanh" -> Activation.GELU_TANH;
            case "relu2" -> Activation.RELU_SQUARED;
            case "gelu" -> Activation.GELU_ERF;
            case "relu" -> Activation.RELU;
            default -> throw new IllegalArgumentException("activation '" + hiddenAct
                    + "' is not supported (supported: silu, gelu_new, gelu_pytorch_tanh, relu2, gelu, relu)");
        };
    }
}
