package dev.secateur.checkpoint;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.model.DecoderWeights;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad checkpoints must fail with a message that names the file or tensor at fault. */
class CheckpointErrorsTest {

    private static final String LLAMA_CONFIG = """
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 8, "num_hidden_layers": 1,
             "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 12, "vocab_size": 5}
            """;

    private static String failure(Path dir) {
        return assertThrows(CheckpointException.class, () -> DecoderWeights.load(dir)).getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), () -> "'" + message + "' should mention '" + p + "'");
        }
    }

    /** A valid tiny Llama (hidden 8, 2 heads of 4, 1 KV head, ffn 12, vocab 5). */
    private static Map<String, Tensor> llamaTensors() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("model.embed_tokens.weight", Tensor.zeros(5, 8));
        String p = "model.layers.0.";
        t.put(p + "input_layernorm.weight", Tensor.zeros(8));
        t.put(p + "self_attn.q_proj.weight", Tensor.zeros(8, 8));
        t.put(p + "self_attn.k_proj.weight", Tensor.zeros(4, 8));
        t.put(p + "self_attn.v_proj.weight", Tensor.zeros(4, 8));
        t.put(p + "self_attn.o_proj.weight", Tensor.zeros(8, 8));
        t.put(p + "post_attention_layernorm.weight", Tensor.zeros(8));
        t.put(p + "mlp.gate_proj.weight", Tensor.zeros(12, 8));
        t.put(p + "mlp.up_proj.weight", Tensor.zeros(12, 8));
        t.put(p + "mlp.down_proj.weight", Tensor.zeros(8, 12));
        t.put("model.norm.weight", Tensor.zeros(8));
        t.put("lm_head.weight", Tensor.zeros(5, 8));
        return t;
    }

    private static Path llama(Path dir, Map<String, Tensor> tensors) throws IOException {
        Files.writeString(dir.resolve("config.json"), LLAMA_CONFIG);
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, DType.F32, Map.of());
        return dir;
    }

    @Test
    void validTinyLlamaLoads(@TempDir Path dir) throws IOException {
        DecoderWeights w = DecoderWeights.load(llama(dir, llamaTensors()));
        assertTrue(w.layers().get(0).numKvHeads(4) == 1);
    }

    @Test
    void missingConfig(@TempDir Path dir) {
        assertMentions(failure(dir), dir.toString(), "config.json");
    }

    @Test
    void missingFolder(@TempDir Path dir) {
        assertMentions(failure(dir.resolve("nope")), "nope", "does not exist");
    }

    @Test
    void unknownArchitectureListsSupportedOnes(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), LLAMA_CONFIG.replace("LlamaForCausalLM", "MambaForCausalLM"));
        assertMentions(failure(dir), "config.json", "MambaForCausalLM", "LlamaForCausalLM", "Qwen2ForCausalLM", "GPT2LMHeadModel");
    }

    @Test
    void indexNamingMissingShard(@TempDir Path dir) throws IOException {
        llama(dir, llamaTensors());
        Files.delete(dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve(Checkpoint.INDEX),
                "{\"weight_map\": {\"model.embed_tokens.weight\": \"model-00001-of-00002.safetensors\"}}");
        assertMentions(failure(dir), Checkpoint.INDEX, "model-00001-of-00002.safetensors", "does not exist");
    }

    @Test
    void truncatedSafetensors(@TempDir Path dir) throws IOException {
        llama(dir, llamaTensors());
        Path file = dir.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 100));
        assertMentions(failure(dir), "model.safetensors", "out of bounds");
        Files.write(file, Arrays.copyOf(bytes, 5));
        assertMentions(failure(dir), "model.safetensors", "truncated");
    }

    @Test
    void headerOffsetsOutOfBounds(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), LLAMA_CONFIG);
        byte[] header = "{\"model.norm.weight\": {\"dtype\": \"F32\", \"shape\": [8], \"data_offsets\": [0, 4096]}}"
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + header.length + 32).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length).put(header);
        Files.write(dir.resolve("model.safetensors"), buf.array());
        assertMentions(failure(dir), "model.safetensors", "model.norm.weight", "[0, 4096]", "out of bounds");
    }

    @Test
    void tensorShapeNotMatchingConfig(@TempDir Path dir) throws IOException {
        Map<String, Tensor> t = llamaTensors();
        t.put("model.layers.0.mlp.gate_proj.weight", Tensor.zeros(12, 7));
        assertMentions(failure(llama(dir, t)), "model.layers.0.mlp.gate_proj.weight", "[12, 7]", "config.json");
    }

    @Test
    void missingTensor(@TempDir Path dir) throws IOException {
        Map<String, Tensor> t = llamaTensors();
        t.remove("model.norm.weight");
        assertMentions(failure(llama(dir, t)), "model.norm.weight", "missing");
    }
}
