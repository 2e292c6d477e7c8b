package dev.secateur.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerSizes;
import dev.secateur.model.LayerWeights;
import dev.secateur.runtime.Generator;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.OnnxChecker;
import dev.secateur.testsupport.ReferenceForward;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pruned model: every layer with its own head count, KV head count and FFN width. */
class PrunedExportTest {
    @TempDir
    Path tmp;

    /** Rows of the given heads (each headDim rows) of a [heads·d, ...] weight or [heads·d] bias. */
    static int[] headRows(int d, int... heads) {
        return IntStream.of(heads).flatMap(h -> IntStream.range(h * d, h * d + d)).toArray();
    }

    static LayerWeights slice(LayerWeights l, int d, int[] qHeads, int[] kvHeads, int[] neurons) {
        int[] q = headRows(d, qHeads), kv = headRows(d, kvHeads);
        l = l.withAttention(l.q().selectRows(q), l.qBias() == null ? null : l.qBias().selectRows(q),
                l.k().selectRows(kv), l.kBias() == null ? null : l.kBias().selectRows(kv),
                l.v().selectRows(kv), l.vBias() == null ? null : l.vBias().selectRows(kv),
                l.o().selectColumns(q), l.oBias());
        return l.withMlp(l.gate() == null ? null : l.gate().selectRows(neurons), l.gateBias() == null ? null : l.gateBias().selectRows(neurons),
                l.up().selectRows(neurons), l.upBias() == null ? null : l.upBias().selectRows(neurons),
                l.down().selectColumns(neurons), l.downBias());
    }

    static int[] keepEvery(int n, int dropEvery) {
        return IntStream.range(0, n).filter(i -> i % dropEvery != 0).toArray();
    }

    private void exportAndCompare(String fixture, DecoderWeights sliced, List<LayerSizes> expectedSizes) throws Exception {
        assertEquals(expectedSizes, sliced.layerSizes());
        Path out = tmp.resolve(fixture);
        ExportManifest m = ArtifactWriter.writeDecoder(sliced, out, ArtifactWriter.Options.defaults(false)
                .withMetadata(Map.of(ModelExport.SOURCE_SHA256, "test")));
        assertEquals(expectedSizes, m.layerSizes());
        Fixtures.Expected exp = Fixtures.expected(fixture);
        try (OrtDecoder d = OrtDecoder.open(out)) {
            assertEquals(expectedSizes, d.layerSizes());
            float[][][] got = d.logits(exp.inputIds());
            for (int b = 0; b < exp.inputIds().length; b++) {
                float[][] ref = ReferenceForward.logits(sliced, exp.inputIds()[b]);
                int[] ids = java.util.Arrays.stream(exp.inputIds()[b]).mapToInt(v -> (int) v).toArray();
                try (Generator g = d.generator()) {
                    for (int t = 0; t < ref.length; t++) {
                        assertTrue(Fixtures.maxAbsDiff(got[b][t], ref[t]) <= 1e-4, fixture + " row " + b + " pos " + t);
                        float[] step = g.feed(new int[] {ids[t]});
                        assertTrue(Fixtures.maxAbsDiff(step, ref[t]) <= 1e-4, fixture + " cached row " + b + " pos " + t);
                    }
                }
                // Sanity: pruning changed the function (the test would be vacuous otherwise).
                assertTrue(Fixtures.maxAbsDiff(ref[ref.length - 1], exp.logits()[b][ref.length - 1]) > 1e-3);
            }
        }
        List<LayerSizes> fromJson = new ArrayList<>();
        for (var n : new ObjectMapper().readTree(OrtDecoderMeta.read(out).get(ModelExport.LAYER_SIZES))) {
            assertEquals(3, n.size(), n.toString());
            fromJson.add(new LayerSizes(n.get("heads").asInt(), n.get("kvHeads").asInt(), n.get("ffn").asInt()));
        }
        assertEquals(expectedSizes, fromJson);
        OnnxChecker.checkIfAvailable(out.resolve("model.onnx"));
    }

    @Test
    void llamaGqaWithPerLayerHeadsAndFfn() throws Exception {
        DecoderWeights w = DecoderWeights.load(Fixtures.dir("llama-gqa"));
        int d = w.headDim();
        List<LayerWeights> layers = new ArrayList<>();
        // Layer 0: one KV group kept with both its query heads (group 2); 72 of 96 neurons.
        layers.add(slice(w.layers().get(0), d, new int[] {0, 1}, new int[] {0}, keepEvery(96, 4)));
        // Layer 1: one query head per KV head (group 1); 48 neurons.
        layers.add(slice(w.layers().get(1), d, new int[] {0, 2}, new int[] {0, 1}, keepEvery(96, 2)));
        exportAndCompare("llama-gqa", w.withLayers(layers),
                List.of(new LayerSizes(2, 1, 72), new LayerSizes(2, 2, 48)));
    }

    @Test
    void qwen2WithBiasesSliced() throws Exception {
        DecoderWeights w = DecoderWeights.load(Fixtures.dir("qwen2"));
        int d = w.headDim();
        List<LayerWeights> layers = new ArrayList<>();
        layers.add(slice(w.layers().get(0), d, new int[] {2, 3}, new int[] {1}, keepEvery(96, 3)));
        layers.add(slice(w.layers().get(1), d, new int[] {0, 1, 2, 3}, new int[] {0, 1}, keepEvery(96, 5)));
        exportAndCompare("qwen2", w.withLayers(layers), List.of(new LayerSizes(2, 1, 64), new LayerSizes(4, 2, 76)));
    }

    /** Qwen3's q/k norms are per head_dim, shared by every head: they ride along unchanged when heads go. */
    @Test
    void qwen3WithQkNormsAndExplicitHeadDimSliced() throws Exception {
        DecoderWeights w = DecoderWeights.load(Fixtures.dir("qwen3"));
        int d = w.headDim();
        assertEquals(16, d, "head_dim 16, not hidden / heads = 8");
        List<LayerWeights> layers = new ArrayList<>();
        layers.add(slice(w.layers().get(0), d, new int[] {2, 3}, new int[] {1}, keepEvery(96, 3)));
        layers.add(slice(w.layers().get(1), d, new int[] {0, 2}, new int[] {0, 1}, keepEvery(96, 4)));
        assertTrue(layers.get(0).qNorm() == w.layers().get(0).qNorm() && layers.get(1).kNorm() == w.layers().get(1).kNorm());
        exportAndCompare("qwen3", w.withLayers(layers), List.of(new LayerSizes(2, 1, 64), new LayerSizes(2, 2, 72)));
    }

    @Test
    void gpt2WithPerLayerHeadsAndFfn() throws Exception {
        DecoderWeights w = DecoderWeights.load(Fixtures.dir("gpt2"));
        int d = w.headDim();
        List<LayerWeights> layers = new ArrayList<>();
        layers.add(slice(w.layers().get(0), d, new int[] {1, 3}, new int[] {1, 3}, keepEvery(128, 4)));
        layers.add(slice(w.layers().get(1), d, new int[] {0, 1, 2}, new int[] {0, 1, 2}, keepEvery(128, 2)));
        exportAndCompare("gpt2", w.withLayers(layers), List.of(new LayerSizes(2, 2, 96), new LayerSizes(3, 3, 64)));
    }

    /** Reads metadata_props straight from the file, independently of the runtime. */
    static final class OrtDecoderMeta {
        static Map<String, String> read(Path dir) throws Exception {
            dev.secateur.onnx.proto.ModelProto m = dev.secateur.onnx.proto.ModelProto.parseFrom(
                    java.nio.file.Files.readAllBytes(dir.resolve(ModelExport.MODEL_FILE)));
            Map<String, String> out = new java.util.HashMap<>();
            m.getMetadataPropsList().forEach(e -> out.put(e.getKey(), e.getValue()));
            return out;
        }
    }
}
