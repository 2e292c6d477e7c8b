package dev.secateur.onnx;

import static dev.secateur.onnx.ExportChecks.ATOL;
import static dev.secateur.onnx.ExportChecks.ids;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.ReferenceForward;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-NeoX's block (the parallel residual, per-head interleaved q/k/v, LayerNorms, an ungated exact-GELU MLP, half of
 * each head rotating) in the exported graph, held to the Java reference forward (no torch here), after showing that
 * the parallel block moves the logits it is compared with.
 */
class GptNeoxExportTest {
    @TempDir
    Path tmp;

    @Test
    void splitsTheInterleavedQkvIntoTheProjectionsItWasMadeFromAndWritesItBack() throws Exception {
        Path dir = Fixtures.gptNeox();
        DecoderWeights w = DecoderWeights.load(dir);
        LayerWeights l = w.layers().get(1);
        assertEquals(ModelConfig.Activation.GELU_ERF, w.config().mlpActivation());
        assertTrue(w.config().parallelResidual());
        assertEquals(4, w.config().rotaryDim(), "rotary_pct 0.5 of head_dim 8");
        assertNull(l.gate());
        assertNotNull(l.qBias());
        assertNotNull(l.oBias());
        try (Checkpoint source = Checkpoint.open(Fixtures.dir("llama-mha-repeated-kv"))) {
            for (String part : new String[] {"q", "k", "v"}) {
                LayerWeights read = l;
                float[] got = switch (part) {
                    case "q" -> read.q().data();
                    case "k" -> read.k().data();
                    default -> read.v().data();
                };
                assertArrayEquals(source.tensor("model.layers.1.self_attn." + part + "_proj.weight").data(), got, part);
            }
        }
        ExportChecks.assertWrittenBackAsStored(dir, 0);
    }

    /**
     * Pythia's checkpoints as older transformers saved them also hold each layer's causal mask (attention.bias, BOOL),
     * masked_bias and rotary_emb.inv_freq: they load, are not read, and are not counted as parameters.
     */
    @Test
    void savedBuffersOfOlderExportsAreSkipped() throws Exception {
        Path dir = Fixtures.withConfig(Fixtures.gptNeox(), "gpt-neox-with-buffers", c -> { });
        java.util.Map<String, float[]> floats = new java.util.TreeMap<>();
        java.util.Map<String, int[]> shapes = new java.util.TreeMap<>();
        try (Checkpoint ck = Checkpoint.open(Fixtures.gptNeox())) {
            for (String n : ck.names()) {
                floats.put(n, ck.tensor(n).data());
                shapes.put(n, ck.shape(n));
            }
        }
        floats.put("gpt_neox.layers.0.attention.masked_bias", new float[] {-1e9f});
        shapes.put("gpt_neox.layers.0.attention.masked_bias", new int[0]);
        floats.put("gpt_neox.layers.0.attention.rotary_emb.inv_freq", new float[] {1f, 0.01f});
        shapes.put("gpt_neox.layers.0.attention.rotary_emb.inv_freq", new int[] {2});
        com.fasterxml.jackson.databind.node.ObjectNode header = dev.secateur.json.Json.mapper().createObjectNode();
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        for (var e : floats.entrySet()) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * e.getValue().length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (float v : e.getValue()) {
                b.putFloat(v);
            }
            entry(header, e.getKey(), "F32", shapes.get(e.getKey()), data.size(), data.size() + b.capacity());
            data.write(b.array());
        }
        entry(header, "gpt_neox.layers.0.attention.bias", "BOOL", new int[] {1, 1, 4, 4}, data.size(), data.size() + 16);
        data.write(new byte[16]);
        byte[] json = dev.secateur.json.Json.mapper().writeValueAsBytes(header);
        java.nio.ByteBuffer len = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(json.length);
        java.nio.file.Files.write(dir.resolve("model.safetensors"), concat(len.array(), json, data.toByteArray()));

        DecoderWeights w = DecoderWeights.load(dir);
        assertEquals(DecoderWeights.load(Fixtures.gptNeox()).parameterCount(), w.parameterCount());
        try (dev.secateur.model.StreamedCheckpoint s = dev.secateur.model.StreamedCheckpoint.open(dir)) {
            assertEquals(w.parameterCount(), s.parameterCount(), "the F32 buffers are not parameters either");
        }
        assertTrue(Fixtures.maxAbsDiff(ReferenceForward.logits(dir, ids()), ReferenceForward.logits(Fixtures.gptNeox(), ids())) == 0);
    }

    private static void entry(com.fasterxml.jackson.databind.node.ObjectNode header, String name, String dtype, int[] shape,
                              long begin, long end) {
        com.fasterxml.jackson.databind.node.ObjectNode e = header.putObject(name);
        e.put("dtype", dtype);
        com.fasterxml.jackson.databind.node.ArrayNode s = e.putArray("shape");
        for (int d : shape) {
            s.add(d);
        }
        e.putArray("data_offsets").add(begin).add(end);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void exportedLogitsMatchTheReferenceWholeAndThroughTheKvCache() {
        Path dir = Fixtures.gptNeox();
        float[][][] want = ReferenceForward.logits(dir, ids());
        Path sequential = Fixtures.withConfig(dir, "gpt-neox-sequential", c -> c.put("use_parallel_residual", false));
        double parallel = Fixtures.maxAbsDiff(want, ReferenceForward.logits(sequential, ids()));
        assertTrue(parallel > 100 * ATOL, "the parallel block moves the logits by only " + parallel);
        ExportChecks.assertExportMatches(dir, tmp.resolve("gpt-neox-onnx"), ids(), want, ATOL, "gpt-neox");
        ExportChecks.assertExportMatches(sequential, tmp.resolve("gpt-neox-sequential-onnx"), ids(),
                ReferenceForward.logits(sequential, ids()), ATOL, "gpt-neox, sequential");
    }
}
