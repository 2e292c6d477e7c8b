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
    void phi3AppliesItsSlidingWindowWhenSetAndRefusesPartialRotation() {
        // Phi-3-mini-4k: sliding_window 2047 below max_position_embeddings 4096, no rope_scaling
        ModelConfig mini = ConfigReader.parse(config("Phi3ForCausalLM", "\"sliding_window\": 2047, \"rope_scaling\": null, "
                + "\"original_max_position_embeddings\": 4096").put("max_position_embeddings", 4096), "config.json");
        assertEquals(Architecture.PHI3, mini.architecture());
        assertEquals(2047, mini.contextLength());
        assertNull(parse("Phi3ForCausalLM", "").slidingWindow(), "Phi3Config's default is no window");
        assertEquals(16, parse("Phi3ForCausalLM", "\"partial_rotary_factor\": 1.0").headDim());
        CheckpointException partial = assertThrows(CheckpointException.class,
                () -> parse("Phi3ForCausalLM", "\"partial_rotary_factor\": 0.75"));
        assertTrue(partial.getMessage().contains("partial_rotary_factor"), partial.getMessage());
        // the 128k variants' longrope is refused by name
        CheckpointException longrope = assertThrows(CheckpointException.class, () -> parse("Phi3ForCausalLM",
                "\"rope_scaling\": {\"type\": \"longrope\", \"short_factor\": [1.0], \"long_factor\": [1.0]}"));
        assertTrue(longrope.getMessage().contains("longrope"), longrope.getMessage());
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
