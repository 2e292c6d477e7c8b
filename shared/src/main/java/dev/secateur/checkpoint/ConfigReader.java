package dev.secateur.checkpoint;

import dev.secateur.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Parses config.json into a {@link ModelConfig}, filling in each architecture's documented defaults. */
public final class ConfigReader {
    private static final ObjectMapper JSON = Json.mapper();

    private ConfigReader() {
    }

    public static ModelConfig read(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(dir + ": no config.json (is this a Hugging Face model folder?)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        if (!(root instanceof ObjectNode obj)) {
            throw new CheckpointException(file + ": not a JSON object");
        }
        return parse(obj, file.toString());
    }

    public static ModelConfig parse(ObjectNode c, String where) {
        JsonNode archs = c.get("architectures");
        if (archs == null || !archs.isArray() || archs.isEmpty()) {
            throw new CheckpointException(where + ": no \"architectures\" entry (supported: " + Architecture.supported() + ")");
        }
        if (archs.get(0).asText().equals(GEMMA3_MULTIMODAL)) {
            c = gemma3TextModel(c, where);
        }
        Architecture arch = Architecture.fromHfName(c.get("architectures").get(0).asText(), where);
        ModelConfig cfg = switch (arch) {
            case GPT2 -> gpt2(c, where);
            case GPTJ -> gptj(c, where);
            case FALCON -> falcon(c, where);
            case OPT -> optDecoder(c, where);
            case BERT -> bert(c, where);
            default -> llamaLike(c, arch, where);
        };
        validate(cfg, where);
        return cfg;
    }

    /** Gemma 3's 4B–27B checkpoints: a Gemma 3 text model with a vision tower, read as its text model alone. */
    static final String GEMMA3_MULTIMODAL = "Gemma3ForConditionalGeneration";

    /**
     * The text_config of a Gemma3ForConditionalGeneration as a Gemma3ForCausalLM config (so a pruned one is a text
     * model Hugging Face loads as such), with the top level's token ids and dtype where the text config has none.
     */
    private static ObjectNode gemma3TextModel(ObjectNode c, String where) {
        JsonNode text = c.get("text_config");
        if (text == null || !text.isObject()) {
            throw new CheckpointException(where + ": " + GEMMA3_MULTIMODAL + " without a text_config object");
        }
        ObjectNode t = ((ObjectNode) text).deepCopy();
        t.putArray("architectures").add(Architecture.GEMMA3.hfName());
        t.put("model_type", "gemma3_text");
        for (String key : new String[] {"bos_token_id", "eos_token_id", "pad_token_id", "torch_dtype"}) {
            if (!t.has(key) && c.has(key)) {
                t.set(key, c.get(key));
            }
        }
        return t;
    }

    /**
     * Gemma3TextConfig's defaults for the keys a config.json leaves out (the 4B–27B text_configs give only what
     * differs), written into the config so that a pruned checkpoint states them.
     */
    private static void gemma3Defaults(ObjectNode c) {
        Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("vocab_size", 262_208);
        d.put("hidden_size", 2304);
        d.put("intermediate_size", 9216);
        d.put("num_hidden_layers", 26);
        d.put("num_attention_heads", 8);
        d.put("num_key_value_heads", 4);
        d.put("head_dim", 256);
        d.put("max_position_embeddings", 131_072);
        d.put("rms_norm_eps", 1e-6);
        d.put("rope_theta", 1_000_000.0);
        d.put("rope_local_base_freq", 10_000.0);
        d.put("query_pre_attn_scalar", 256);
        d.put("sliding_window", 4096);
        d.put("hidden_activation", "gelu_pytorch_tanh");
        d.forEach((key, value) -> {
            if (!c.has(key) && !(key.equals("rope_theta") && c.has("rope_parameters"))) {
                c.set(key, JSON.valueToTree(value));
            }
        });
    }

    private static ModelConfig llamaLike(ObjectNode c, Architecture arch, String where) {
        if (arch == Architecture.GEMMA3) {
            gemma3Defaults(c);
        }
        if (arch == Architecture.STABLELM) {
            refuseStableLm2Extras(c, where);
        }
        if (arch == Architecture.PHI && c.path("qk_layernorm").asBoolean(false)) {
            throw new CheckpointException(where + ": PhiForCausalLM with qk_layernorm true is not supported (per-head "
                    + "query/key LayerNorms)");
        }
        if (arch == Architecture.GPT_NEOX && !c.hasNonNull("rope_theta") && ropeParameters(c) == null) {
            c.put("rope_theta", c.path("rotary_emb_base").asDouble(10000.0)); // GPTNeoXConfig's name for it
        }
        Double partialDefault = defaultPartialRotary(c, arch);
        if (partialDefault != null && ModelConfig.partialRotaryFactor(c) == null) {
            // made explicit, so every reader of the raw config rotates the same part of each head
            c.put("partial_rotary_factor", partialDefault);
        }
        int hidden = req(c, "hidden_size", where);
        int heads = req(c, "num_attention_heads", where);
        int kv = opt(c, "num_key_value_heads", heads);
        // Qwen3Config's documented head_dim default is 128, not hidden / heads (it differs on 0.6B: 1024 / 16 = 64)
        // Gemma2Config's and Gemma3TextConfig's default head_dim is 256 too
        int headDim = opt(c, "head_dim", arch == Architecture.QWEN3 ? 128 : arch.isGemma() ? 256
                : heads > 0 ? hidden / heads : 0);
        if (arch.isGemma()) {
            gemmaScalars(c, where);
        }
        if (arch == Architecture.GRANITE) {
            positive(c, where, false, "embedding_multiplier", "attention_multiplier", "residual_multiplier", "logits_scaling");
        }
        if (arch == Architecture.MINICPM) {
            positive(c, where, false, "scale_emb", "scale_depth", "dim_model_base");
        }
        layerTypes(c, where);
        if (arch == Architecture.SMOLLM3) {
            noRopeLayers(c, where);
        }
        boolean bias = switch (arch) {
            case QWEN2 -> true;
            case STABLELM -> c.path("use_qkv_bias").asBoolean(false);
            case STARCODER2 -> c.path("use_bias").asBoolean(true);
            case GPT_NEOX -> c.path("attention_bias").asBoolean(true);
            case PHI -> true; // every PhiAttention projection has one
            case INTERNLM2 -> c.path("bias").asBoolean(true); // InternLM2Config's default
            default -> c.path("attention_bias").asBoolean(false);
        };
        // Phi-4-mini rotates the first 3/4 of each head (its rotary part must be a whole number of pairs)
        JsonNode partial = ModelConfig.partialRotaryFactor(c);
        if (partial != null && !partial.isNull()) {
            double f = partial.asDouble();
            int rotary = ModelConfig.rotaryDim(headDim, c);
            if (!(f > 0 && f <= 1) || rotary < 2 || rotary % 2 != 0) {
                throw new CheckpointException(where + ": partial_rotary_factor " + partial + " must be in (0, 1] and "
                        + "rotate an even number of the " + headDim + " head dimensions");
            }
        }
        double theta = ropeTheta(c, arch, where);
        return new ModelConfig(arch, hidden, req(c, "num_hidden_layers", where), heads, kv, headDim,
                req(c, "intermediate_size", where), req(c, "vocab_size", where),
                opt(c, "max_position_embeddings", 2048), theta,
                ropeScaling(c, where, ModelConfig.rotaryDim(headDim, c) / 2, theta),
                normEps(c, arch), c.path("tie_word_embeddings").asBoolean(arch.isGemma() || arch == Architecture.SMOLLM3
                        || arch == Architecture.STARCODER2 /* Starcoder2Config leaves PretrainedConfig's True */),
                bias, activation(c, arch), intOrNull(c, "bos_token_id"), firstInt(c, "eos_token_id"),
                slidingWindow(c, arch, where), c);
    }

    /**
     * Gemma's MLP reads hidden_activation only: Hugging Face ignores hidden_act there, and Gemma-2B/7B's first configs
     * say "gelu" in hidden_act with no hidden_activation, which GemmaMLP runs as gelu_pytorch_tanh.
     */
    private static String activation(ObjectNode c, Architecture arch) {
        if (arch.isGemma()) {
            JsonNode a = c.get("hidden_activation");
            return a == null || a.isNull() ? "gelu_pytorch_tanh" : a.asText();
        }
        return c.path("hidden_act").asText(switch (arch) {
            case STARCODER2 -> "gelu_pytorch_tanh";
            case NEMOTRON -> "relu2";
            case GPT_NEOX -> "gelu";
            case PHI -> "gelu_new";
            default -> "silu";
        });
    }

    /**
     * The part of each head that rotates when the config does not say (partial_rotary_factor): StableLmConfig's 0.25,
     * NemotronConfig's and PhiConfig's 0.5, GPT-NeoX's rotary_pct (0.25 by default); null where the whole head rotates.
     */
    private static Double defaultPartialRotary(ObjectNode c, Architecture arch) {
        return switch (arch) {
            case STABLELM -> 0.25;
            case NEMOTRON, PHI -> 0.5;
            case GPT_NEOX -> c.path("rotary_pct").asDouble(0.25);
            default -> null;
        };
    }

    /** The norm epsilon under each architecture's key, with its config class's default. */
    private static double normEps(ObjectNode c, Architecture arch) {
        return switch (arch) {
            case STABLELM, GPT_NEOX, PHI -> c.path("layer_norm_eps").asDouble(1e-5);
            case STARCODER2 -> c.path("norm_epsilon").asDouble(1e-5);
            case NEMOTRON -> c.path("norm_eps").asDouble(1e-5);
            case OLMO2, OLMO3 -> c.path("rms_norm_eps").asDouble(1e-5); // Olmo2Config's default
            default -> c.path("rms_norm_eps").asDouble(1e-6);
        };
    }

    /** StableLM-2-12B's per-head query/key LayerNorms and parallel residual are refused. */
    private static void refuseStableLm2Extras(ObjectNode c, String where) {
        for (String key : new String[] {"qk_layernorm", "use_parallel_residual"}) {
            if (c.path(key).asBoolean(false)) {
                throw new CheckpointException(where + ": StableLmForCausalLM with " + key + " true is not supported "
                        + "(StableLM-2-12B's per-head query/key LayerNorms and parallel attention and MLP)");
            }
        }
    }

    /** Gemma's attention scale, soft caps and local rotary base: positive numbers (a cap may be null: none). */
    private static void gemmaScalars(ObjectNode c, String where) {
        positive(c, where, false, "query_pre_attn_scalar", "rope_local_base_freq");
        positive(c, where, true, "attn_logit_softcapping", "final_logit_softcapping");
    }

    /** Scalars that must be positive finite numbers where the config gives them (or null, where nullable). */
    private static void positive(ObjectNode c, String where, boolean nullable, String... keys) {
        for (String key : keys) {
            JsonNode v = c.get(key);
            if (v != null && !(v.isNull() && nullable) && !(v.isNumber() && v.asDouble() > 0 && Double.isFinite(v.asDouble()))) {
                throw new CheckpointException(where + ": " + key + " must be a positive number" + (nullable ? " or null" : "")
                        + ", was " + v);
            }
        }
    }

    /**
     * layer_types, where given, names each layer's attention: sliding_attention (windowed, see
     * {@link ModelConfig#windowOf(int)}) or full_attention, one per layer; any other kind is not built.
     */
    private static void layerTypes(ObjectNode c, String where) {
        JsonNode types = c.get("layer_types");
        if (types == null || types.isNull()) {
            return;
        }
        int layers = c.path("num_hidden_layers").asInt(-1);
        if (!types.isArray() || types.size() != layers) {
            throw new CheckpointException(where + ": layer_types must list one attention kind per layer (" + layers
                    + "), was " + types);
        }
        for (int i = 0; i < types.size(); i++) {
            String t = types.get(i).asText();
            if (!t.equals("sliding_attention") && !t.equals("full_attention")) {
                throw new CheckpointException(where + ": layer_types[" + i + "] '" + types.get(i).asText()
                        + "' is not supported (supported: full_attention, sliding_attention)");
            }
        }
    }

    /** SmolLM3's no_rope_layers, where given: a flag for each layer (more are ignored, as HF does), 1 where it rotates, 0 where not. */
    private static void noRopeLayers(ObjectNode c, String where) {
        JsonNode flags = c.get("no_rope_layers");
        if (flags == null || flags.isNull()) {
            return;
        }
        int layers = c.path("num_hidden_layers").asInt(-1);
        boolean valid = flags.isArray() && flags.size() >= layers;
        for (int i = 0; valid && i < flags.size(); i++) {
            valid = flags.get(i).isInt() && (flags.get(i).asInt() == 0 || flags.get(i).asInt() == 1);
        }
        if (!valid) {
            throw new CheckpointException(where + ": no_rope_layers must list 0 or 1 for each of the " + layers
                    + " layers, was " + flags);
        }
    }

    /**
     * The rotary settings of the full-attention layers: rope_theta and rope_scaling at the top level (transformers
     * 4), or rope_parameters (transformers 5 moves rope_theta and the scaling keys there, one entry per layer type
     * for Gemma 3); null where neither is given.
     */
    private static JsonNode ropeParameters(ObjectNode c) {
        JsonNode rp = c.get("rope_parameters");
        if (rp == null || !rp.isObject()) {
            return null;
        }
        return rp.has("full_attention") ? rp.get("full_attention") : rp;
    }

    private static double ropeTheta(ObjectNode c, Architecture arch, String where) {
        JsonNode rp = ropeParameters(c);
        JsonNode theta = rp != null && rp.hasNonNull("rope_theta") ? rp.get("rope_theta") : c.get("rope_theta");
        if (theta == null || theta.isNull()) {
            return arch == Architecture.SMOLLM3 ? 2_000_000.0 : 10000.0; // SmolLM3Config's default, else Llama's
        }
        if (!theta.isNumber() || !(theta.asDouble() > 0)) {
            throw new CheckpointException(where + ": rope_theta must be a positive number, was " + theta);
        }
        return theta.asDouble();
    }

    /**
     * @param pairs the rotated frequencies per head: half the rotary dimension
     * @param theta the rotary base the scaling applies to
     */
    private static RopeScaling ropeScaling(ObjectNode c, String where, int pairs, double theta) {
        JsonNode rs = c.get("rope_scaling");
        if (rs == null || rs.isNull()) {
            rs = ropeParameters(c);
            if (rs == null || !rs.has("rope_type")) {
                return null;
            }
        }
        String type = rs.path("rope_type").asText(rs.path("type").asText(""));
        return switch (type) {
            case "llama3" -> new RopeScaling(rs.path("factor").asDouble(8), rs.path("low_freq_factor").asDouble(1),
                    rs.path("high_freq_factor").asDouble(4), rs.path("original_max_position_embeddings").asInt(8192));
            case "linear" -> {
                double factor = rs.path("factor").asDouble(0);
                if (!(factor >= 1)) {
                    throw new CheckpointException(where + ": rope_scaling type 'linear' needs a factor ≥ 1, was " + rs.path("factor"));
                }
                yield RopeScaling.linear(factor);
            }
            case "dynamic" -> {
                // it starts to act past original_max_position_embeddings, which defaults to max_position_embeddings
                int original = rs.path("original_max_position_embeddings").asInt(Integer.MAX_VALUE);
                if (original < opt(c, "max_position_embeddings", 2048)) {
                    throw new CheckpointException(where + ": rope_scaling type 'dynamic' with original_max_position_embeddings "
                            + original + " below max_position_embeddings is not supported (it rescales within the context)");
                }
                yield null;
            }
            case "longrope", "su" -> longrope(c, rs, where, pairs);
            case "yarn" -> yarn(c, rs, where, pairs, theta);
            case "default" -> null;
            default -> throw new CheckpointException(where + ": rope_scaling type '" + type
                    + "' is not supported (supported: llama3, linear, dynamic, longrope, yarn)");
        };
    }

    /**
     * Hugging Face's YaRN (transformers 5's reading; the same at every position). Frequency i of the d = 2·pairs rotated
     * dimensions turns n_i = L · base^(−2i/d) / 2π times over the original length L (original_max_position_embeddings,
     * else max_position_embeddings). The index where n_i = β is d · ln(L / (2πβ)) / (2 ln base); between the index of
     * beta_fast (32, rounded down) and of beta_slow (1, rounded up; unrounded with truncate false) a ramp r_i goes
     * from 0 to 1, and frequency i is divided by 1 / (r_i / factor + 1 − r_i): fast frequencies are kept, slow ones
     * interpolated by factor (max_position_embeddings / L when factor is absent). cos/sin are scaled by attention_factor,
     * else by m(factor, mscale) / m(factor, mscale_all_dim) when both are given, else m(factor), with
     * m(s, k) = 0.1 · k · ln s + 1 (1 for s ≤ 1).
     */
    private static RopeScaling yarn(ObjectNode c, JsonNode rs, String where, int pairs, double theta) {
        int max = opt(c, "max_position_embeddings", 2048);
        JsonNode originalNode = rs.get("original_max_position_embeddings");
        int original = originalNode == null || originalNode.isNull() ? max : originalNode.asInt(0);
        if (original < 2) {
            throw new CheckpointException(where + ": rope_scaling yarn's original_max_position_embeddings must be at least 2, was "
                    + originalNode);
        }
        double factor = yarnNumber(rs, "factor", (double) max / original, where);
        if (factor < 1) {
            throw new CheckpointException(where + ": rope_scaling yarn's factor must be at least 1, was " + factor);
        }
        double betaFast = yarnNumber(rs, "beta_fast", 32, where), betaSlow = yarnNumber(rs, "beta_slow", 1, where);
        int dim = 2 * pairs;
        double low = yarnIndex(betaFast, dim, theta, original), high = yarnIndex(betaSlow, dim, theta, original);
        if (rs.path("truncate").asBoolean(true)) {
            low = Math.floor(low);
            high = Math.ceil(high);
        }
        low = Math.max(low, 0);
        high = Math.min(high, dim - 1);
        if (low == high) {
            high += 0.001; // as Hugging Face does, so that the ramp is a step
        }
        double[] divisors = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            double ramp = Math.min(Math.max((i - low) / (high - low), 0), 1);
            divisors[i] = 1 / (ramp / factor + 1 - ramp);
        }
        JsonNode given = rs.get("attention_factor");
        double attention;
        if (given != null && !given.isNull()) {
            attention = yarnNumber(rs, "attention_factor", 1, where);
        } else if (rs.hasNonNull("mscale") && rs.hasNonNull("mscale_all_dim")
                && rs.get("mscale").asDouble() != 0 && rs.get("mscale_all_dim").asDouble() != 0) {
            attention = yarnScale(factor, rs.get("mscale").asDouble()) / yarnScale(factor, rs.get("mscale_all_dim").asDouble());
        } else {
            attention = yarnScale(factor, 1);
        }
        return RopeScaling.yarn(divisors, factor, original, attention);
    }

    /** The rotated-frequency index (fractional) that turns {@code turns} times over {@code length} positions. */
    private static double yarnIndex(double turns, int dim, double base, int length) {
        return dim * Math.log(length / (turns * 2 * Math.PI)) / (2 * Math.log(base));
    }

    private static double yarnScale(double factor, double mscale) {
        return factor <= 1 ? 1.0 : 0.1 * mscale * Math.log(factor) + 1.0;
    }

    /** A positive number of yarn's rope_scaling, or its default where absent or null. */
    private static double yarnNumber(JsonNode rs, String key, double fallback, String where) {
        JsonNode v = rs.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber() || !(v.asDouble() > 0) || !Double.isFinite(v.asDouble())) {
            throw new CheckpointException(where + ": rope_scaling yarn's " + key + " must be a positive number, was " + v);
        }
        return v.asDouble();
    }

    /**
     * Hugging Face's longrope up to original_max_position_embeddings (the config's, else max_position_embeddings):
     * short_factor divides the frequencies, and cos/sin are scaled by attention_factor, or when it is absent by
     * √(1 + ln s / ln original) with s = max_position_embeddings / original (without a top-level original length,
     * rope_scaling's factor; 1 when s ≤ 1). long_factor is not read:
     * it takes over only past original_max_position_embeddings, where the context stops.
     */
    private static RopeScaling longrope(ObjectNode c, JsonNode rs, String where, int pairs) {
        JsonNode shortFactor = rs.path("short_factor");
        if (!shortFactor.isArray() || shortFactor.size() != pairs) {
            throw new CheckpointException(where + ": rope_scaling longrope needs short_factor, a list of " + pairs
                    + " numbers (one per rotated frequency), was " + (shortFactor.isMissingNode() ? "absent" : shortFactor));
        }
        double[] divisors = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            divisors[i] = shortFactor.get(i).asDouble();
            if (!(divisors[i] > 0)) {
                throw new CheckpointException(where + ": rope_scaling short_factor[" + i + "] must be positive, was "
                        + shortFactor.get(i));
            }
        }
        int max = opt(c, "max_position_embeddings", 2048);
        // as Hugging Face reads it: with a top-level original_max_position_embeddings the scale is max / original;
        // without one, max_position_embeddings is the original length and rope_scaling's factor the scale
        boolean topLevel = c.hasNonNull("original_max_position_embeddings");
        int original = topLevel ? c.get("original_max_position_embeddings").asInt() : max;
        if (original < 2) {
            throw new CheckpointException(where + ": original_max_position_embeddings must be at least 2, was " + original);
        }
        double scale = topLevel ? (double) max / original : rs.path("factor").asDouble(1.0);
        JsonNode given = rs.get("attention_factor");
        double attention = given != null && !given.isNull() ? given.asDouble()
                : scale <= 1 ? 1.0 : Math.sqrt(1 + Math.log(scale) / Math.log(original));
        return RopeScaling.longrope(divisors, original, attention);
    }

    /**
     * The attention window the architecture really applies, or null: Mistral applies sliding_window (its config's
     * default is 4096 when the key is absent; null switches it off, as v0.2/v0.3 do); Qwen2 and Qwen3 carry a
     * sliding_window too but apply it only with use_sliding_window true (their default 4096 then); Phi-3 applies it
     * when it is set (2047 on Phi-3-mini-4k; Phi3Config's default is none); Gemma 2 and 3 on some layers (their default
     * 4096), OLMo 3 on three layers in four (its default 4096). Which layers slide: {@link ModelConfig#windowOf(int)}.
     */
    private static Integer slidingWindow(ObjectNode c, Architecture arch, String where) {
        boolean applies = switch (arch) {
            case MISTRAL, PHI3, GEMMA2, GEMMA3, OLMO3, STARCODER2 -> true;
            case QWEN2, QWEN3, SMOLLM3 -> c.path("use_sliding_window").asBoolean(false);
            default -> false;
        };
        if (!applies) {
            return null;
        }
        JsonNode w = c.get("sliding_window");
        if (w == null) {
            // Phi3Config's, SmolLM3Config's and Starcoder2Config's default is none
            return arch == Architecture.PHI3 || arch == Architecture.SMOLLM3 || arch == Architecture.STARCODER2 ? null : 4096;
        }
        if (w.isNull()) {
            return null;
        }
        if (!w.canConvertToInt() || w.asInt() < 1) {
            throw new CheckpointException(where + ": sliding_window must be a positive integer or null, was " + w);
        }
        return w.asInt();
    }

    private static ModelConfig gpt2(ObjectNode c, String where) {
        int hidden = req(c, "n_embd", where);
        int heads = req(c, "n_head", where);
        JsonNode inner = c.get("n_inner");
        int ffn = inner == null || inner.isNull() ? 4 * hidden : inner.asInt();
        return new ModelConfig(Architecture.GPT2, hidden, req(c, "n_layer", where), heads, heads,
                heads > 0 ? hidden / heads : 0, ffn, req(c, "vocab_size", where), opt(c, "n_positions", 1024), 0, null,
                c.path("layer_norm_epsilon").asDouble(1e-5), true, true,
                c.path("activation_function").asText("gelu_new"), intOrNull(c, "bos_token_id"), firstInt(c, "eos_token_id"), null, c);
    }

    /**
     * GPTJConfig's keys and defaults (n_embd, n_layer, n_head, n_inner null for 4 × n_embd, n_positions 2048, rotary_dim
     * 64, gelu_new, untied). rotary_dim is restated as partial_rotary_factor, which every reader of the rotary part uses;
     * a null rotary_dim (GPT-J's code then builds tables as wide as the whole hidden state) is refused.
     */
    private static ModelConfig gptj(ObjectNode c, String where) {
        int hidden = req(c, "n_embd", where);
        int heads = req(c, "n_head", where);
        int headDim = heads > 0 ? hidden / heads : 0;
        JsonNode inner = c.get("n_inner");
        int ffn = inner == null || inner.isNull() ? 4 * hidden : inner.asInt();
        JsonNode rot = c.has("rotary_dim") ? c.get("rotary_dim") : JSON.valueToTree(64);
        if (!rot.canConvertToInt() || rot.asInt() < 2 || rot.asInt() % 2 != 0 || rot.asInt() > headDim) {
            throw new CheckpointException(where + ": rotary_dim must be an even number of dimensions between 2 and head_dim "
                    + headDim + " (n_embd / n_head), was " + rot);
        }
        int rotary = rot.asInt();
        double factor = (double) rotary / headDim;
        while ((int) (headDim * factor) < rotary) {
            factor = Math.nextUp(factor); // so that head_dim × factor truncates to rotary_dim exactly
        }
        c.put("partial_rotary_factor", factor);
        return new ModelConfig(Architecture.GPTJ, hidden, req(c, "n_layer", where), heads, heads, headDim, ffn,
                req(c, "vocab_size", where), opt(c, "n_positions", 2048), 10000.0, null, c.path("layer_norm_epsilon").asDouble(1e-5),
                c.path("tie_word_embeddings").asBoolean(false), false, c.path("activation_function").asText("gelu_new"),
                intOrNull(c, "bos_token_id"), firstInt(c, "eos_token_id"), null, c);
    }

    /**
     * FalconConfig's keys and defaults (n_head / n_layer as aliases, ffn_hidden_size 4 × hidden, gelu, tied embeddings, no
     * biases). The key/value heads follow FalconAttention: num_kv_heads on the new decoder architecture, one with
     * multi_query (true by default), else one per query head. ALiBi positions (Falcon-RW) are refused.
     */
    private static ModelConfig falcon(ObjectNode c, String where) {
        if (c.path("alibi").asBoolean(false)) {
            throw new CheckpointException(where + ": FalconForCausalLM with alibi true (Falcon-RW's ALiBi positions) is not "
                    + "supported; rotary Falcons (alibi false) are");
        }
        int hidden = req(c, "hidden_size", where);
        int heads = req(c, c.has("num_attention_heads") ? "num_attention_heads" : "n_head", where);
        boolean newArch = c.path("new_decoder_architecture").asBoolean(false);
        int kv = newArch ? opt(c, "num_kv_heads", heads) : c.path("multi_query").asBoolean(true) ? 1 : heads;
        JsonNode ffn = c.get("ffn_hidden_size");
        double theta = c.path("rope_theta").asDouble(10000.0);
        int headDim = heads > 0 ? hidden / heads : 0;
        return new ModelConfig(Architecture.FALCON, hidden, req(c, c.has("num_hidden_layers") ? "num_hidden_layers" : "n_layer", where),
                heads, kv, headDim, ffn == null || ffn.isNull() ? 4 * hidden : ffn.asInt(), req(c, "vocab_size", where),
                opt(c, "max_position_embeddings", 2048), theta, ropeScaling(c, where, headDim / 2, theta),
                c.path("layer_norm_epsilon").asDouble(1e-5), c.path("tie_word_embeddings").asBoolean(true),
                c.path("bias").asBoolean(false), c.path("activation").asText("gelu"), intOrNull(c, "bos_token_id"),
                firstInt(c, "eos_token_id"), null, c);
    }

    /**
     * OPTConfig's keys and defaults (ffn_dim 3072, relu, enable_bias, tied). The layouts OPT-350M alone uses are refused: a
     * post-LN block (do_layer_norm_before false) and word_embed_proj_dim ≠ hidden_size (project_in / project_out); so is a
     * LayerNorm without weights (layer_norm_elementwise_affine false).
     */
    private static ModelConfig optDecoder(ObjectNode c, String where) {
        int hidden = req(c, "hidden_size", where);
        int heads = req(c, "num_attention_heads", where);
        if (!c.path("do_layer_norm_before").asBoolean(true)) {
            throw new CheckpointException(where + ": OPTForCausalLM with do_layer_norm_before false (OPT-350M's post-LN "
                    + "blocks) is not supported");
        }
        if (c.hasNonNull("word_embed_proj_dim") && c.get("word_embed_proj_dim").asInt() != hidden) {
            throw new CheckpointException(where + ": OPTForCausalLM with word_embed_proj_dim " + c.get("word_embed_proj_dim")
                    + " ≠ hidden_size " + hidden + " (OPT-350M's project_in / project_out) is not supported");
        }
        if (!c.path("layer_norm_elementwise_affine").asBoolean(true)) {
            throw new CheckpointException(where + ": OPTForCausalLM with layer_norm_elementwise_affine false is not supported");
        }
        if (c.path("_remove_final_layer_norm").asBoolean(false)) {
            throw new CheckpointException(where + ": OPTForCausalLM with _remove_final_layer_norm true (no final norm) is "
                    + "not supported");
        }
        return new ModelConfig(Architecture.OPT, hidden, req(c, "num_hidden_layers", where), heads, heads,
                heads > 0 ? hidden / heads : 0, opt(c, "ffn_dim", 3072), req(c, "vocab_size", where),
                opt(c, "max_position_embeddings", 2048), 0, null, 1e-5, c.path("tie_word_embeddings").asBoolean(true),
                c.path("enable_bias").asBoolean(true), c.path("activation_function").asText("relu"),
                intOrNull(c, "bos_token_id"), firstInt(c, "eos_token_id"), null, c);
    }

    /** BertModel (and BERT-family encoders such as MiniLM): Hugging Face BertConfig defaults. */
    private static ModelConfig bert(ObjectNode c, String where) {
        int hidden = req(c, "hidden_size", where);
        int heads = req(c, "num_attention_heads", where);
        String act = c.path("hidden_act").asText("gelu");
        if (!act.equals("gelu")) {
            throw new CheckpointException(where + ": hidden_act '" + act + "' is not supported for BertModel (supported: gelu)");
        }
        String pos = c.path("position_embedding_type").asText("absolute");
        if (!pos.equals("absolute")) {
            throw new CheckpointException(where + ": position_embedding_type '" + pos + "' is not supported (supported: absolute)");
        }
        return new ModelConfig(Architecture.BERT, hidden, req(c, "num_hidden_layers", where), heads, heads,
                heads > 0 ? hidden / heads : 0, req(c, "intermediate_size", where), req(c, "vocab_size", where),
                opt(c, "max_position_embeddings", 512), 0, null, c.path("layer_norm_eps").asDouble(1e-12), false, true,
                act, intOrNull(c, "bos_token_id"), firstInt(c, "eos_token_id"), null, c);
    }

    private static void validate(ModelConfig c, String where) {
        if (c.numHeads() <= 0 || c.numKvHeads() <= 0 || c.hiddenSize() <= 0 || c.numLayers() <= 0 || c.vocabSize() <= 0) {
            throw new CheckpointException(where + ": sizes must be positive (hidden " + c.hiddenSize() + ", layers "
                    + c.numLayers() + ", heads " + c.numHeads() + ", kv heads " + c.numKvHeads() + ", vocab " + c.vocabSize() + ")");
        }
        if (c.numHeads() % c.numKvHeads() != 0) {
            throw new CheckpointException(where + ": num_attention_heads " + c.numHeads()
                    + " is not a multiple of num_key_value_heads " + c.numKvHeads());
        }
        if (c.architecture() == Architecture.GPT2 && c.hiddenSize() % c.numHeads() != 0) {
            throw new CheckpointException(where + ": n_embd " + c.hiddenSize() + " is not divisible by n_head " + c.numHeads());
        }
        if (c.architecture() == Architecture.BERT && c.hiddenSize() % c.numHeads() != 0) {
            throw new CheckpointException(where + ": hidden_size " + c.hiddenSize() + " is not divisible by num_attention_heads " + c.numHeads());
        }
        if (c.usesRope() && c.headDim() % 2 != 0) {
            throw new CheckpointException(where + ": head_dim " + c.headDim() + " must be even for rotary embeddings");
        }
    }

    private static int req(ObjectNode c, String field, String where) {
        JsonNode n = c.get(field);
        if (n == null || !n.canConvertToInt()) {
            throw new CheckpointException(where + ": missing or non-integer \"" + field + "\"");
        }
        return n.asInt();
    }

    private static int opt(ObjectNode c, String field, int dflt) {
        JsonNode n = c.get(field);
        return n == null || n.isNull() ? dflt : n.asInt();
    }

    /**
     * An integer, or the first of a list of them: Llama 3.1 and others give eos_token_id as a list (end of text, end of
     * turn, ...); the first is the one recorded, and serve-function stops at the end-of-turn tokens of its vocabulary too.
     */
    private static Integer firstInt(ObjectNode c, String field) {
        JsonNode n = c.get(field);
        if (n != null && n.isArray()) {
            return n.isEmpty() || !n.get(0).canConvertToInt() ? null : n.get(0).asInt();
        }
        return intOrNull(c, field);
    }

    private static Integer intOrNull(ObjectNode c, String field) {
        JsonNode n = c.get(field);
        return n == null || !n.canConvertToInt() ? null : n.asInt();
    }
}
