package dev.secateur.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.checkpoint.Architecture;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.DType;
import dev.secateur.checkpoint.SafetensorsWriter;
import dev.secateur.checkpoint.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncoderWeightsTest {

    @Test
    void roundTripsThroughAHuggingFaceFolderWithPerLayerSizes(@TempDir Path dir) throws Exception {
        EncoderWeights w = TinyBert.random(1, 50, 16, 4, new int[] {4, 2, 3}, new int[] {32, 20, 7}, 24);
        Path tok = Files.writeString(dir.resolve("tok-src.json"), "{}");
        w.save(dir.resolve("out"), tok);
        EncoderWeights back = EncoderWeights.load(dir.resolve("out"));
        assertEquals(Architecture.BERT, back.config().architecture());
        assertEquals(w.layerSizes(), back.layerSizes());
        assertEquals(List.of(new LayerSizes(4, 4, 32), new LayerSizes(2, 2, 20), new LayerSizes(3, 3, 7)), back.layerSizes());
        assertEquals(w.parameterCount(), back.parameterCount());
        assertEquals(BertAdapter.tensors(w), BertAdapter.tensors(back));
        assertEquals(1e-12, back.normEps(), 0);
        JsonNode cfg = new ObjectMapper().readTree(dir.resolve("out/config.json").toFile());
        assertEquals("BertModel", cfg.get("architectures").get(0).asText());
        assertEquals(3, cfg.get("secateur_layer_sizes").size());
        assertEquals(20, cfg.get("secateur_layer_sizes").get(1).get("intermediate_size").asInt());
        assertTrue(Files.isRegularFile(dir.resolve("out/tokenizer.json")));
    }

    /**
     * BertIntermediate builds intermediate_size neurons: an encoder whose layers share one pruned width states it, so
     * transformers loads it (scripts/hf_parity.py loads the pruned all-MiniLM-L6-v2); per-layer widths leave the key alone.
     */
    @Test
    void aUniformlyPrunedWidthIsStatedAsIntermediateSize(@TempDir Path dir) throws Exception {
        Path tok = Files.writeString(dir.resolve("tok-src.json"), "{}");
        EncoderWeights uniform = TinyBert.random(1, 50, 16, 4, new int[] {4, 4}, new int[] {20, 20}, 24);
        uniform.save(dir.resolve("uniform"), tok);
        JsonNode cfg = new ObjectMapper().readTree(dir.resolve("uniform/config.json").toFile());
        assertEquals(20, cfg.get("intermediate_size").asInt());
        assertEquals(2, cfg.get("num_hidden_layers").asInt());
        assertEquals(uniform.layerSizes(), EncoderWeights.load(dir.resolve("uniform")).layerSizes());

        EncoderWeights mixed = TinyBert.random(1, 50, 16, 4, new int[] {4, 4}, new int[] {20, 7}, 24);
        mixed.save(dir.resolve("mixed"), tok);
        JsonNode source = mixed.config().raw().get("intermediate_size");
        assertEquals(source, new ObjectMapper().readTree(dir.resolve("mixed/config.json").toFile()).get("intermediate_size"));
    }

    @Test
    void readsTaskModelNamesWithTheBertPrefixAndKeepsThePooler(@TempDir Path dir) throws Exception {
        EncoderWeights w = TinyBert.random(2, 30, 8, 2, 16, 2, 10);
        Map<String, Tensor> prefixed = new LinkedHashMap<>();
        BertAdapter.tensors(w).forEach((k, v) -> prefixed.put("bert." + k, v));
        prefixed.put("bert.pooler.dense.weight", TinyBert.t(new java.util.Random(3), 0.1f, 8, 8));
        prefixed.put("bert.pooler.dense.bias", TinyBert.t(new java.util.Random(4), 0.1f, 8));
        prefixed.put("cls.predictions.bias", Tensor.zeros(30));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), prefixed, DType.F16, Map.of());
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), w.config().raw());
        EncoderWeights back = EncoderWeights.load(dir);
        assertNotNull(back.poolerDense());
        assertEquals(w.layerSizes(), back.layerSizes());
        float[] a = w.layers().get(1).down().data(), b = back.layers().get(1).down().data();
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 2e-3 * Math.max(1, Math.abs(a[i])), "F16 round trip of output.dense.weight");
        }
        assertEquals(w.parameterCount() + 8 * 8 + 8, back.parameterCount());
    }

    @Test
    void decoderLoaderRefusesAnEncoderAndNamesTheOtherLoader(@TempDir Path dir) {
        EncoderWeights w = TinyBert.random(5, 20, 8, 2, 8, 1, 8);
        w.save(dir, null);
        CheckpointException e = assertThrows(CheckpointException.class, () -> DecoderWeights.load(dir));
        assertTrue(e.getMessage().contains("EncoderWeights.load"), e.getMessage());
    }

    @Test
    void missingTensorIsNamed(@TempDir Path dir) {
        EncoderWeights w = TinyBert.random(6, 20, 8, 2, 8, 2, 8);
        Map<String, Tensor> t = new LinkedHashMap<>(BertAdapter.tensors(w));
        t.remove("encoder.layer.1.intermediate.dense.bias");
        SafetensorsWriter.write(dir.resolve("model.safetensors"), t, DType.F32, Map.of());
        w.save(dir.resolve("x"), null);
        try {
            Files.copy(dir.resolve("x/config.json"), dir.resolve("config.json"));
        } catch (java.io.IOException e) {
            throw new RuntimeException(e);
        }
        CheckpointException e = assertThrows(CheckpointException.class, () -> EncoderWeights.load(dir));
        assertTrue(e.getMessage().contains("encoder.layer.1.intermediate.dense.bias"), e.getMessage());
    }
}
