package dev.secateur.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What real checkpoints' config.json files carry beyond the Llama basics: sliding windows, head_dim, rope_scaling, eos lists. */
class ConfigQuirksTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode config(String architecture, String extra) {
        try {
            return (ObjectNode) JSON.readTree("""
                    {"architectures": ["%s"], "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
                     "num_key_value_heads": 2, "intermediate_size": 96, "vocab_size": 100, "max_position_embeddings": 1024 %s}
                    """.formatted(architecture, extra.isEmpty() ? "" : ", " + extra));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ModelConfig parse(String architecture, String extra) {
        return ConfigReader.parse(config(architecture, extra), "config.json");
    }

    @Test
    void mistralSlidesEveryLayerWithoutShorteningTheContext() {
        ModelConfig v01 = parse("MistralForCausalLM", "\"sliding_window\": 256");
        assertEquals(Architecture.MISTRAL, v01.architecture());
        assertEquals(256, v01.slidingWindow());
        assertEquals(256, v01.windowOf(0));
        assertEquals(256, v01.windowOf(1));
        assertEquals(1024, v01.contextLength(), "windowed layers are masked, the context is max_position_embeddings");
        assertTrue(v01.contextLengthReason().contains("max_position_embeddings 1024"), v01.contextLengthReason());
        // v0.2 / v0.3 switch it off with null
        ModelConfig v03 = parse("MistralForCausalLM", "\"sliding_window\": null");
        assertNull(v03.slidingWindow());
        assertEquals(1024, v03.contextLength());
        // MistralConfig's default when the key is absent is 4096, above max_position_embeddings here
        assertEquals(4096, parse("MistralForCausalLM", "").slidingWindow());
        assertEquals(1024, parse("MistralForCausalLM", "").contextLength());
        CheckpointException bad = assertThrows(CheckpointException.class, () -> parse("MistralForCausalLM", "\"sliding_window\": 0"));
        assertTrue(bad.getMessage().contains("sliding_window"), bad.getMessage());
    }

    @Test
    void phi3AppliesItsSlidingWindowWhenSetAndRotatesPartOfAHead() {
        // Phi-3-mini-4k: sliding_window 2047 below max_position_embeddings 4096, no rope_scaling
        ModelConfig mini = ConfigReader.parse(config("Phi3ForCausalLM", "\"sliding_window\": 2047, \"rope_scaling\": null, "
                + "\"original_max_position_embeddings\": 4096").put("max_position_embeddings", 4096), "config.json");
        assertEquals(Architecture.PHI3, mini.architecture());
        assertEquals(4096, mini.contextLength());
        assertEquals(2047, mini.windowOf(0));
        assertNull(parse("Phi3ForCausalLM", "").slidingWindow(), "Phi3Config's default is no window");
        assertEquals(16, parse("Phi3ForCausalLM", "\"partial_rotary_factor\": 1.0").rotaryDim());
        CheckpointException odd = assertThrows(CheckpointException.class,
                () -> parse("Phi3ForCausalLM", "\"partial_rotary_factor\": 0.1"));
        assertTrue(odd.getMessage().contains("even number"), odd.getMessage());
        assertEquals(12, parse("Phi3ForCausalLM", "\"partial_rotary_factor\": 0.75").rotaryDim(), "3/4 of head_dim 16");
    }

    @Test
    void gemma2DefaultsAsGemma2ConfigHasThem() {
        ModelConfig c = parse("Gemma2ForCausalLM", "");
        assertEquals(Architecture.GEMMA2, c.architecture());
        assertEquals(256, c.headDim(), "Gemma2Config's head_dim default");
        assertTrue(c.tieWordEmbeddings());
        assertEquals("gelu_pytorch_tanh", c.hiddenAct());
        assertEquals(1024, c.contextLength());
        assertEquals(4096, c.windowOf(0), "sliding_window 4096 by default, on the even layers");
        assertNull(c.windowOf(1));
        assertEquals(1 / Math.sqrt(256), c.attentionScale());
        assertEquals(50.0, c.attentionSoftcap());
        assertEquals(30.0, c.finalSoftcap());
        assertEquals(8.0, c.embeddingScale(), "√hidden_size 64");
        ModelConfig nine = parse("Gemma2ForCausalLM", "\"head_dim\": 16, \"query_pre_attn_scalar\": 224, \"sliding_window\": 512, "
                + "\"attn_logit_softcapping\": null, \"final_logit_softcapping\": null, \"hidden_activation\": \"gelu_pytorch_tanh\"");
        assertEquals(1 / Math.sqrt(224), nine.attentionScale());
        assertEquals(0.0, nine.attentionSoftcap(), "null: no cap");
        assertEquals(0.0, nine.finalSoftcap());
        assertEquals(1024, nine.contextLength());
        assertEquals(512, nine.windowOf(0));
        assertEquals(1 / Math.sqrt(16), parse("LlamaForCausalLM", "\"query_pre_attn_scalar\": 224").attentionScale(),
                "only Gemma 2 reads it");
        CheckpointException bad = assertThrows(CheckpointException.class,
                () -> parse("Gemma2ForCausalLM", "\"attn_logit_softcapping\": -1"));
        assertTrue(bad.getMessage().contains("attn_logit_softcapping"), bad.getMessage());
    }

    /** Phi-3.5-mini's rope_scaling as published: longrope over 48 frequencies, 131072 positions over 4096 original. */
    @Test
    void longropeAsPhi35MiniHasIt() {
        String factors = java.util.stream.IntStream.range(0, 8).mapToObj(i -> String.valueOf(1.0 + i * 0.25))
                .collect(java.util.stream.Collectors.joining(", "));
        ModelConfig c = ConfigReader.parse(config("Phi3ForCausalLM", "\"original_max_position_embeddings\": 4096, "
                + "\"sliding_window\": 262144, \"rope_scaling\": {\"type\": \"longrope\", \"short_factor\": [" + factors
                + "], \"long_factor\": [" + factors + "]}").put("max_position_embeddings", 131072), "config.json");
        assertEquals(4096, c.contextLength(), "short_factor holds up to original_max_position_embeddings");
        // Hugging Face's default attention factor: √(1 + ln(131072 / 4096) / ln 4096), Phi-3's 1.1902…
        assertEquals(1.1902380714238083, c.ropeScaling().attentionFactor(), 1e-12);
        assertArrayEquals(new double[] {1.0, 0.1 / 1.25}, java.util.Arrays.copyOf(c.ropeScaling().apply(
                new double[] {1.0, 0.1, 1, 1, 1, 1, 1, 1}), 2), 1e-15);
        ModelConfig given = ConfigReader.parse(config("Phi3ForCausalLM", "\"rope_scaling\": {\"type\": \"longrope\", "
                + "\"short_factor\": [" + factors + "], \"long_factor\": [" + factors + "], \"attention_factor\": 1.5}"), "config.json");
        assertEquals(1.5, given.ropeScaling().attentionFactor());
        assertEquals(1024, given.contextLength(), "no original_max_position_embeddings: max_position_embeddings is it");
        ModelConfig byFactor = ConfigReader.parse(config("Phi3ForCausalLM", "\"rope_scaling\": {\"type\": \"longrope\", "
                + "\"short_factor\": [" + factors + "], \"long_factor\": [" + factors + "], \"factor\": 4.0}"), "config.json");
        assertEquals(Math.sqrt(1 + Math.log(4) / Math.log(1024)), byFactor.ropeScaling().attentionFactor(), 1e-15,
                "without a top-level original length, rope_scaling's factor is the scale");
        CheckpointException shortList = assertThrows(CheckpointException.class, () -> parse("Phi3ForCausalLM",
                "\"rope_scaling\": {\"type\": \"longrope\", \"short_factor\": [1.0], \"long_factor\": [1.0]}"));
        assertTrue(shortList.getMessage().contains("short_factor, a list of 8"), shortList.getMessage());
    }

    /**
     * YaRN as Qwen3's model card adds it (factor 4 over 32,768 original positions, head_dim 128, rope_theta 10^6). The
     * expected divisors were computed apart from this code, in Python from the formula: the ramp runs from index 23
     * (32 turns, rounded down) to 40 (1 turn, rounded up) of the 64 frequencies.
     */
    @Test
    void yarnAsQwen3sModelCardAddsIt() {
        ModelConfig c = parse("Qwen3ForCausalLM", "\"head_dim\": 128, \"rope_theta\": 1000000, \"max_position_embeddings\": 40960, "
                + "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0, \"original_max_position_embeddings\": 32768}");
        double[] ones = new double[64];
        java.util.Arrays.fill(ones, 1.0);
        double[] divided = c.ropeScaling().apply(ones);
        double[][] want = {{0, 1}, {23, 1}, {24, 1 / 1.0461538461538462}, {30, 1 / 1.4468085106382977},
            {39, 1 / 3.3999999999999995}, {40, 0.25}, {63, 0.25}};
        for (double[] w : want) {
            assertEquals(w[1], divided[(int) w[0]], 1e-12, "frequency " + (int) w[0]);
        }
        assertEquals(1.138629436111989, c.ropeScaling().attentionFactor(), 1e-12, "0.1 · ln 4 + 1");
        assertEquals(40960, c.contextLength(), "the same frequencies at every position: no context limit");

        ModelConfig deepseekStyle = parse("LlamaForCausalLM", "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 40, "
                + "\"mscale\": 0.707, \"mscale_all_dim\": 0.707, \"original_max_position_embeddings\": 4096}");
        assertEquals(1.0, deepseekStyle.ropeScaling().attentionFactor(), 1e-15, "mscale / mscale_all_dim");
        ModelConfig given = parse("LlamaForCausalLM", "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 8, "
                + "\"attention_factor\": 1.2, \"original_max_position_embeddings\": 128}");
        assertEquals(1.2, given.ropeScaling().attentionFactor());
        ModelConfig noFactor = parse("LlamaForCausalLM", "\"rope_scaling\": {\"rope_type\": \"yarn\", \"original_max_position_embeddings\": 256}");
        assertEquals(4.0, noFactor.ropeScaling().factor(), "max_position_embeddings / original when factor is absent");

        for (String bad : new String[] {"\"factor\": 0.5", "\"factor\": \"x\"", "\"beta_fast\": -1", "\"original_max_position_embeddings\": 1",
            "\"attention_factor\": 0"}) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> parse("LlamaForCausalLM",
                    "\"rope_scaling\": {\"rope_type\": \"yarn\", " + bad + "}"));
            String key = bad.substring(1, bad.indexOf('"', 1));
            assertTrue(e.getMessage().contains("yarn's " + key), bad + ": " + e.getMessage());
        }
    }

    /** OLMo 3's windows: three layers in four slide (Olmo3Config's layer_types default) at sliding_window, 4096 by default. */
    @Test
    void olmo3SlidesThreeLayersInFour() {
        ModelConfig byDefault = ConfigReader.parse(config("Olmo3ForCausalLM", "").put("num_hidden_layers", 8), "config.json");
        assertEquals(java.util.Arrays.asList(4096, 4096, 4096, null, 4096, 4096, 4096, null),
                java.util.stream.IntStream.range(0, 8).mapToObj(byDefault::windowOf).toList());
        assertEquals(1e-5, byDefault.normEps(), "Olmo2Config's rms_norm_eps");
        assertTrue(byDefault.architecture().qkNormSpansHeads() && !byDefault.architecture().hasPreNorms());
        ModelConfig listed = parse("Olmo3ForCausalLM", "\"sliding_window\": 64, \"layer_types\": [\"full_attention\", \"sliding_attention\"]");
        assertNull(listed.windowOf(0));
        assertEquals(64, listed.windowOf(1));
        assertNull(parse("Olmo2ForCausalLM", "\"sliding_window\": 64").windowOf(0), "OLMo 2 has no window");
    }

    /**
     * The first Gemma's config.json (Gemma-2B's, sizes shrunk): GemmaMLP reads hidden_activation only and runs
     * gelu_pytorch_tanh without it; attention at head_dim^−½ and no soft caps whatever Gemma 2's keys say; head_dim
     * 256 and tied embeddings by default; no window.
     */
    @Test
    void gemmaAsGemmaConfigReadsIt() {
        ModelConfig first = parse("GemmaForCausalLM", "\"hidden_act\": \"gelu\", \"head_dim\": 16, "
                + "\"query_pre_attn_scalar\": 4, \"attn_logit_softcapping\": 50, \"sliding_window\": 8");
        assertEquals(Architecture.GEMMA, first.architecture());
        assertEquals("gelu_pytorch_tanh", first.hiddenAct());
        assertEquals(0.25, first.attentionScale(), 1e-12);
        assertEquals(0, first.attentionSoftcap());
        assertEquals(0, first.finalSoftcap());
        assertNull(first.windowOf(0));
        assertTrue(first.tieWordEmbeddings());
        assertFalse(first.architecture().hasPostNorms());
        assertEquals(Math.sqrt(first.hiddenSize()), first.embeddingScale(), 1e-12);
        assertEquals(256, parse("GemmaForCausalLM", "").headDim());
        assertEquals("gelu", parse("GemmaForCausalLM", "\"hidden_activation\": \"gelu\"").hiddenAct(),
                "hidden_activation is read as it is: the exact GELU then");
        assertEquals(ModelConfig.Activation.GELU_ERF, parse("GemmaForCausalLM", "\"hidden_activation\": \"gelu\"").mlpActivation());
    }

    /** Gemma-3-1B's config.json as published (sizes shrunk): Gemma 2's block, no soft caps, 5 sliding layers in 6. */
    @Test
    void gemma3AsGemma3TextConfigHasIt() {
        ModelConfig c = parse("Gemma3ForCausalLM", "\"num_hidden_layers\": 12, \"sliding_window\": 512, "
                + "\"sliding_window_pattern\": 6, \"rope_theta\": 1000000, \"rope_local_base_freq\": 10000, "
                + "\"query_pre_attn_scalar\": 256, \"attn_logit_softcapping\": null, \"final_logit_softcapping\": null, "
                + "\"hidden_activation\": \"gelu_pytorch_tanh\"");
        assertEquals(Architecture.GEMMA3, c.architecture());
        assertEquals(256, c.headDim());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(0.0, c.attentionSoftcap());
        assertEquals(0.0, parse("Gemma3ForCausalLM", "").finalSoftcap(), "absent: no cap (Gemma 2's default is 30)");
        for (int i = 0; i < 12; i++) {
            boolean full = i == 5 || i == 11;
            assertEquals(full ? null : 512, c.windowOf(i), "layer " + i);
            assertEquals(!full, c.localRotary(i), "layer " + i);
            assertEquals(full ? "full_attention" : "sliding_attention", c.layerType(i));
        }
        assertEquals(1_000_000.0, c.ropeTheta());
        assertEquals(10_000.0, c.localRopeTheta());
        assertEquals(1024, c.contextLength());
        CheckpointException bad = assertThrows(CheckpointException.class,
                () -> parse("Gemma3ForCausalLM", "\"rope_local_base_freq\": 0"));
        assertTrue(bad.getMessage().contains("rope_local_base_freq"), bad.getMessage());
    }

    /** Gemma-3-4B's config.json: a text_config giving only what differs from Gemma3TextConfig's defaults. */
    @Test
    void gemma3MultimodalConfigIsReadAsItsTextModelWithGemma3TextConfigsDefaults() throws Exception {
        ObjectNode c = (ObjectNode) JSON.readTree("""
                {"architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3", "eos_token_id": [1, 106],
                 "text_config": {"hidden_size": 2560, "intermediate_size": 10240, "model_type": "gemma3_text",
                   "num_hidden_layers": 34, "rope_scaling": {"factor": 8.0, "rope_type": "linear"}, "sliding_window": 1024},
                 "vision_config": {"model_type": "siglip_vision_model"}}""");
        ModelConfig t = ConfigReader.parse(c, "config.json");
        assertEquals(Architecture.GEMMA3, t.architecture());
        assertEquals(2560, t.hiddenSize());
        assertEquals(34, t.numLayers());
        assertEquals(8, t.numHeads());
        assertEquals(4, t.numKvHeads());
        assertEquals(256, t.headDim());
        assertEquals(262_208, t.vocabSize());
        assertEquals(131_072, t.contextLength());
        assertEquals(1024, t.windowOf(0));
        assertNull(t.windowOf(5));
        assertEquals(RopeScaling.linear(8.0), t.ropeScaling(), "on the full layers");
        assertEquals(1_000_000.0, t.ropeTheta());
        assertEquals(10_000.0, t.localRopeTheta());
        assertEquals(1, t.eosTokenId());
        assertEquals("Gemma3ForCausalLM", t.raw().get("architectures").get(0).asText(), "a pruned one is a text model");
        CheckpointException none = assertThrows(CheckpointException.class, () -> ConfigReader.parse((ObjectNode) JSON.readTree(
                "{\"architectures\": [\"Gemma3ForConditionalGeneration\"]}"), "config.json"));
        assertTrue(none.getMessage().contains("without a text_config"), none.getMessage());
    }

    @Test
    void smolLm3sNoRopeLayers() {
        ModelConfig c = parse("SmolLM3ForCausalLM", "\"num_hidden_layers\": 8");
        for (int i = 0; i < 8; i++) {
            assertEquals(i % 4 != 3, c.rotates(i), "every fourth layer is NoPE by default, layer " + i);
        }
        assertFalse(parse("SmolLM3ForCausalLM", "\"no_rope_layers\": [0, 1]").rotates(0));
        CheckpointException bad = assertThrows(CheckpointException.class,
                () -> parse("SmolLM3ForCausalLM", "\"no_rope_layers\": [1, 2]"));
        assertTrue(bad.getMessage().contains("no_rope_layers must list 0 or 1 for each of the 2 layers"), bad.getMessage());
        assertTrue(parse("LlamaForCausalLM", "\"no_rope_layers\": [0, 0]").rotates(0), "only SmolLM3 reads it");
        ModelConfig longer = parse("SmolLM3ForCausalLM", "\"no_rope_layers\": [1, 0, 1, 1]");
        assertTrue(longer.rotates(0) && !longer.rotates(1), "a list longer than the layers is read as HF reads it");
        // SmolLM3Config's own defaults: rope_theta 2,000,000, tied embeddings, no window unless use_sliding_window and sliding_window
        ModelConfig defaults = parse("SmolLM3ForCausalLM", "");
        assertEquals(2_000_000.0, defaults.ropeTheta());
        assertTrue(defaults.tieWordEmbeddings());
        assertNull(parse("SmolLM3ForCausalLM", "\"use_sliding_window\": true").slidingWindow(), "no sliding_window: none");
        ModelConfig windowed = parse("SmolLM3ForCausalLM", "\"num_hidden_layers\": 8, \"use_sliding_window\": true, \"sliding_window\": 64");
        for (int i = 0; i < 8; i++) {
            assertEquals(i % 4 == 3 ? Integer.valueOf(64) : null, windowed.windowOf(i), "only the NoPE layers slide, layer " + i);
        }
    }

    /** transformers 5 writes partial_rotary_factor inside rope_parameters. */
    @Test
    void partialRotaryFactorIsReadFromRopeParametersToo() {
        ModelConfig top = parse("Phi3ForCausalLM", "\"partial_rotary_factor\": 0.5");
        ModelConfig v5 = parse("Phi3ForCausalLM", "\"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 10000.0, \"partial_rotary_factor\": 0.5}");
        assertEquals(8, top.rotaryDim());
        assertEquals(8, v5.rotaryDim());
    }

    /** Granite's four scalars are read where Llama's config has none, and must be positive numbers. */
    @Test
    void granitesMultipliers() {
        ModelConfig c = parse("GraniteForCausalLM", "\"embedding_multiplier\": 12.0, \"attention_multiplier\": 0.015625, "
                + "\"residual_multiplier\": 0.22, \"logits_scaling\": 8.0");
        assertEquals(Architecture.GRANITE, c.architecture());
        assertEquals(12.0, c.embeddingScale());
        assertEquals(0.015625, c.attentionScale(), "attention_multiplier replaces head_dim^-1/2");
        assertEquals(0.22, c.residualMultiplier());
        assertEquals(8.0, c.logitsScaling());
        ModelConfig defaults = parse("GraniteForCausalLM", "");
        assertEquals(1.0, defaults.embeddingScale());
        assertEquals(1.0, defaults.attentionScale(), "GraniteConfig's attention_multiplier defaults to 1");
        assertEquals(1.0, defaults.residualMultiplier());
        assertEquals(1.0, defaults.logitsScaling());
        ModelConfig llama = parse("LlamaForCausalLM", "\"residual_multiplier\": 0.5, \"logits_scaling\": 8.0");
        assertEquals(1.0, llama.residualMultiplier(), "only Granite reads them");
        assertEquals(1.0, llama.logitsScaling());
        for (String bad : List.of("\"residual_multiplier\": 0", "\"logits_scaling\": \"8\"", "\"embedding_multiplier\": -1.0")) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> parse("GraniteForCausalLM", bad));
            String key = bad.substring(1, bad.indexOf('"', 1));
            assertTrue(e.getMessage().contains(key + " must be a positive number"), e.getMessage());
        }
    }

    /** layer_types (transformers 4.54+, and Secateur's own after dropping layers) says which layers slide. */
    @Test
    void layerTypesNameEachLayersAttention() {
        ModelConfig c = parse("Gemma2ForCausalLM", "\"num_hidden_layers\": 3, \"sliding_window\": 64, "
                + "\"layer_types\": [\"full_attention\", \"full_attention\", \"sliding_attention\"]");
        assertNull(c.windowOf(0), "layer_types over Gemma 2's even-layer rule");
        assertEquals(64, c.windowOf(2));
        CheckpointException wrongLength = assertThrows(CheckpointException.class, () -> parse("MistralForCausalLM",
                "\"num_hidden_layers\": 2, \"layer_types\": [\"full_attention\"]"));
        assertTrue(wrongLength.getMessage().contains("layer_types must list one attention kind per layer (2)"),
                wrongLength.getMessage());
        CheckpointException unknown = assertThrows(CheckpointException.class, () -> parse("LlamaForCausalLM",
                "\"num_hidden_layers\": 2, \"layer_types\": [\"full_attention\", \"chunked_attention\"]"));
        assertTrue(unknown.getMessage().contains("layer_types[1] 'chunked_attention' is not supported"), unknown.getMessage());
    }

    /** transformers 5 writes rope_theta and the scaling keys into rope_parameters (per layer type for Gemma 3). */
    @Test
    void ropeParametersAsTransformers5WritesThem() {
        ModelConfig llama = parse("LlamaForCausalLM", "\"rope_parameters\": {\"rope_type\": \"llama3\", \"rope_theta\": 500000.0, "
                + "\"factor\": 32.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192}");
        assertEquals(500000.0, llama.ropeTheta());
        assertEquals(parse("LlamaForCausalLM", "\"rope_theta\": 500000.0, \"rope_scaling\": {\"rope_type\": \"llama3\", "
                + "\"factor\": 32.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192}")
                .ropeScaling(), llama.ropeScaling(), "the same scaling as transformers 4's rope_scaling");
        ModelConfig plain = parse("Qwen3ForCausalLM", "\"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 1000000.0}");
        assertEquals(1_000_000.0, plain.ropeTheta());
        assertNull(plain.ropeScaling());
        ModelConfig gemma = parse("Gemma3ForCausalLM", "\"rope_parameters\": {\"full_attention\": {\"rope_type\": \"linear\", "
                + "\"factor\": 8.0, \"rope_theta\": 1000000.0}, \"sliding_attention\": {\"rope_type\": \"default\", \"rope_theta\": 10000.0}}");
        assertEquals(1_000_000.0, gemma.ropeTheta());
        assertEquals(dev.secateur.checkpoint.RopeScaling.linear(8.0), gemma.ropeScaling());
        assertEquals(10_000.0, gemma.localRopeTheta());
        CheckpointException bad = assertThrows(CheckpointException.class,
                () -> parse("LlamaForCausalLM", "\"rope_parameters\": {\"rope_theta\": \"big\"}"));
        assertTrue(bad.getMessage().contains("rope_theta must be a positive number"), bad.getMessage());
    }

    @Test
    void mistralNemoStyleExplicitHeadDim() {
        ModelConfig c = parse("MistralForCausalLM", "\"head_dim\": 32, \"sliding_window\": null");
        assertEquals(32, c.headDim(), "head_dim 32, not hidden / heads = 16");
    }

    @Test
    void qwenSlidingWindowAppliesOnlyWithUseSlidingWindow() {
        ModelConfig off = parse("Qwen2ForCausalLM", "\"sliding_window\": 128, \"use_sliding_window\": false");
        assertNull(off.slidingWindow());
        assertEquals(1024, off.contextLength());
        assertNull(off.windowOf(30));
        ModelConfig on = parse("Qwen2ForCausalLM", "\"sliding_window\": 128, \"use_sliding_window\": true, \"max_window_layers\": 1");
        assertEquals(1024, on.contextLength());
        assertNull(on.windowOf(0), "below max_window_layers: full attention");
        assertEquals(128, on.windowOf(1));
        assertEquals(128, parse("Qwen3ForCausalLM", "\"sliding_window\": 128, \"use_sliding_window\": true").windowOf(28),
                "max_window_layers 28 by default");
        assertEquals(1024, parse("Qwen3ForCausalLM", "\"sliding_window\": null, \"use_sliding_window\": false").contextLength());
        assertNull(parse("LlamaForCausalLM", "\"sliding_window\": 128").slidingWindow(), "Llama has no window");
    }

    @Test
    void qwen3HeadDimIsExplicitOrQwen3ConfigsDefault() {
        ModelConfig explicit = parse("Qwen3ForCausalLM", "\"head_dim\": 32");
        assertEquals(32, explicit.headDim());
        assertTrue(explicit.architecture().hasQkNorm());
        assertEquals(128, parse("Qwen3ForCausalLM", "").headDim(), "Qwen3Config's default, not 64 / 4");
        assertTrue(explicit.usesRope());
    }

    @Test
    void ropeScalingLinearDividesEveryFrequencyAndDynamicIsNoneWithinTheContext() {
        ModelConfig linear = parse("LlamaForCausalLM", "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 4.0}");
        assertArrayEquals(new double[] {0.25, 0.025}, linear.ropeScaling().apply(new double[] {1, 0.1}), 1e-15);
        assertNull(parse("LlamaForCausalLM", "\"rope_scaling\": {\"type\": \"dynamic\", \"factor\": 2.0}").ropeScaling());
        assertThrows(CheckpointException.class, () -> parse("LlamaForCausalLM",
                "\"rope_scaling\": {\"type\": \"dynamic\", \"factor\": 2.0, \"original_max_position_embeddings\": 512}"));
        CheckpointException unknown = assertThrows(CheckpointException.class,
                () -> parse("LlamaForCausalLM", "\"rope_scaling\": {\"rope_type\": \"proportional\", \"factor\": 4.0}"));
        assertTrue(unknown.getMessage().contains("'proportional'") && unknown.getMessage().contains("yarn"), unknown.getMessage());
        assertThrows(CheckpointException.class, () -> parse("LlamaForCausalLM", "\"rope_scaling\": {\"type\": \"linear\"}"));
    }

    @Test
    void eosTokenListRecordsTheFirstAndTorchDtypeIsNotNeeded() {
        ModelConfig c = parse("LlamaForCausalLM", "\"eos_token_id\": [128001, 128008, 128009], \"bos_token_id\": 128000");
        assertEquals(128001, c.eosTokenId());
        assertEquals(128000, c.bosTokenId());
        assertNull(parse("LlamaForCausalLM", "\"eos_token_id\": []").eosTokenId());
        // no torch_dtype in any of these configs: the dtype is read from the safetensors headers
        assertEquals(Architecture.LLAMA, parse("LlamaForCausalLM", "").architecture());
    }

    @Test
    void unknownArchitectureNamesEverySupportedOne() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> parse("BloomForCausalLM", ""));
        for (Architecture a : Architecture.values()) {
            assertTrue(e.getMessage().contains(a.hfName()), e.getMessage());
        }
        assertTrue(e.getMessage().contains("MistralForCausalLM") && e.getMessage().contains("Qwen3ForCausalLM"), e.getMessage());
    }
}
