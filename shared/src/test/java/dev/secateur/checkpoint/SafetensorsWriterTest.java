package dev.secateur.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tensors larger than one write piece (a 256k-vocabulary embedding is 1.2 GB in bf16) are written whole and in order. */
class SafetensorsWriterTest {

    @Test
    void aTensorOfSeveralPiecesReadsBackAsWritten(@TempDir Path dir) {
        int n = SafetensorsWriter.PIECE_VALUES * 2 + 12345;
        float[] big = new float[n];
        for (int i = 0; i < n; i++) {
            big[i] = (i % 61) * (1 << (i / SafetensorsWriter.PIECE_VALUES)); // exact in bf16 too, and different per piece
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("small", new Tensor(new int[] {3}, new float[] {1, 2, 3}));
        tensors.put("big", new Tensor(new int[] {n}, big));
        tensors.put("after", new Tensor(new int[] {2}, new float[] {-1, 0.5f}));
        Path file = dir.resolve("model.safetensors");
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            SafetensorsWriter.write(file, tensors, dtype, Map.of());
            try (Checkpoint ck = Checkpoint.open(withConfig(dir))) {
                assertArrayEquals(new float[] {1, 2, 3}, ck.tensor("small").data());
                assertArrayEquals(big, ck.tensor("big").data(), dtype + ": every piece in its place");
                assertArrayEquals(new float[] {-1, 0.5f}, ck.tensor("after").data());
                assertEquals(dtype, ck.dtype("big"));
            }
        }
    }

    private static Path withConfig(Path dir) {
        try {
            java.nio.file.Files.writeString(dir.resolve("config.json"), """
                    {"architectures": ["LlamaForCausalLM"], "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2,
                     "intermediate_size": 16, "vocab_size": 10}
                    """);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return dir;
    }
}
