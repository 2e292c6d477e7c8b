package dev.secateur.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
    void mistralSlidingWindowCapsTheContext() {
        ModelConfig v01 = parse("MistralForCausalLM", "\"sliding_window\": 256");
        assertEquals(Architecture.MISTRAL, v01.architecture());
        assertEquals(256, v01.slidingWindow());
        assertEquals(256, v01.contextLength());
        assertTrue(v01.contextLengthReason().contains("sliding_window 256"), v01.contextLengthReason());
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
        assertEquals(2047, mini.contextLength());
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
        assertEquals(1024, c.contextLength(), "sliding_window 4096 by default, above max_position_embeddings here");
        assertEquals(1 / Math.sqrt(256), c.attentionScale());
        assertEquals(50.0, c.attentionSoftcap());
        assertEquals(30.0, c.finalSoftcap());
        assertEquals(8.0, c.embeddingScale(), "√hidden_size 64");
        ModelConfig nine = parse("Gemma2ForCausalLM", "\"head_dim\": 16, \"query_pre_attn_scalar\": 224, \"sliding_window\": 512, "
                + "\"attn_logit_softcapping\": null, \"final_logit_softcapping\": null, \"hidden_activation\": \"gelu_pytorch_tanh\"");
        assertEquals(1 / Math.sqrt(224), nine.attentionScale());
        assertEquals(0.0, nine.attentionSoftcap(), "null: no cap");
        assertEquals(0.0, nine.finalSoftcap());
        assertEquals(512, nine.contextLength());
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
        ModelConfig on = parse("Qwen2ForCausalLM", "\"sliding_window\": 128, \"use_sliding_window\": true");
        assertEquals(128, on.contextLength());
        assertEquals(128, parse("Qwen3ForCausalLM", "\"sliding_window\": 128, \"use_sliding_window\": true").contextLength());
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
        CheckpointException yarn = assertThrows(CheckpointException.class,
                () -> parse("LlamaForCausalLM", "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}"));
        assertTrue(yarn.getMessage().contains("'yarn'") && yarn.getMessage().contains("linear"), yarn.getMessage());
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
        CheckpointException e = assertThrows(CheckpointException.class, () -> parse("GemmaForCausalLM", ""));
        for (Architecture a : Architecture.values()) {
            assertTrue(e.getMessage().contains(a.hfName()), e.getMessage());
        }
        assertTrue(e.getMessage().contains("MistralForCausalLM") && e.getMessage().contains("Qwen3ForCausalLM"), e.getMessage());
    }
}
