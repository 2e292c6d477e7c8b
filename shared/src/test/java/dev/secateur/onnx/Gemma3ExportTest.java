package dev.secateur.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.model.ArchitectureAdapter;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.runtime.Generator;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.ReferenceForward;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Gemma 3's text model and sliding windows in the exported graph, held to the Java reference forward (no torch
 * here), with each of Gemma 3's departures from Gemma 2 shown to move the fixture's logits.
 */
class Gemma3ExportTest {
    static final double ATOL = 1e-4;

    @TempDir
    Path tmp;

    static long[][] ids() {
        return Fixtures.expected("llama-gqa").inputIds();
    }

    private OrtDecoder export(Path dir, String name) {
        Path out = tmp.resolve(name);
        ArtifactWriter.writeFolder(dir, out, ArtifactWriter.Options.defaults(false)
                .withMetadata(Map.of(ModelExport.PLAN, "{\"criterion\":\"none\"}")));
        return OrtDecoder.open(out);
    }

    @Test
    void configReadsGemma3sLayerKinds() {
        ModelConfig c = DecoderWeights.load(Fixtures.dir("gemma3")).config();
        assertEquals(4, c.windowOf(0), "sliding_window_pattern 2: layer 0 slides");
        assertNull(c.windowOf(1), "every second layer attends to the whole prefix");
        assertTrue(c.localRotary(0) && !c.localRotary(1));
        assertEquals(10_000.0, c.localRopeTheta());
        assertEquals(0.0, c.attentionSoftcap(), "Gemma 3 has no soft caps by default");
        assertEquals(0.0, c.finalSoftcap());
        assertEquals(128, c.contextLength(), "the window does not shorten the context: it is masked");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gemma3", "mistral-window-3", "smollm3"})
    void exportedLogitsMatchTheReferenceWholePaddedAndThroughTheKvCache(String name) {
        Path dir = name.equals("mistral-window-3") ? Fixtures.withConfig("mistral", name, c -> c.put("sliding_window", 3))
                : Fixtures.dir(name);
        float[][][] want = ReferenceForward.logits(dir, ids());
        try (OrtDecoder d = export(dir, name)) {
            assertTrue(Fixtures.maxAbsDiff(d.logits(ids()), want) <= ATOL, "whole");
            int[] seq = Arrays.stream(ids()[1]).mapToInt(v -> (int) v).toArray();
            try (Generator g = d.generator()) {
                for (int t = 0; t < seq.length; t++) {
                    float[] step = g.feed(new int[] {seq[t]});
                    assertTrue(Fixtures.maxAbsDiff(step, want[1][t]) <= ATOL, "with the KV cache at token " + t);
                }
            }
            // row 0 left-padded by 3: its window counts real tokens, not cache slots
            long[][] padded = {new long[ids()[0].length + 3], ids()[1]};
            long[][] mask = {new long[padded[0].length], new long[padded[0].length]};
            System.arraycopy(ids()[0], 0, padded[0], 3, ids()[0].length);
            Arrays.fill(mask[0], 3, mask[0].length, 1);
            padded[1] = Arrays.copyOf(ids()[1], padded[0].length);
            Arrays.fill(mask[1], 0, ids()[1].length, 1);
            float[][][] got = d.logits(padded, mask);
            for (int t = 0; t < ids()[0].length; t++) {
                assertTrue(Fixtures.maxAbsDiff(got[0][t + 3], want[0][t]) <= ATOL, "left-padded row at token " + t);
                assertTrue(Fixtures.maxAbsDiff(got[1][t], want[1][t]) <= ATOL, "right-padded row at token " + t);
            }
            assertEquals(128, d.maxPositions(), "max_position_embeddings, not the window");
        }
    }

    /** SmolLM3's NoPE layer: the fixture's second layer does not rotate, and that moves the logits. */
    @Test
    void smolLm3sLayersWithoutRotaryPositionsMatter() {
        ModelConfig c = DecoderWeights.load(Fixtures.dir("smollm3")).config();
        assertTrue(c.rotates(0) && !c.rotates(1));
        assertTrue(c.hasUnrotatedLayers());
        Path everyLayer = Fixtures.withConfig("smollm3", "smollm3-all-rope", n -> n.putArray("no_rope_layers").add(1).add(1));
        double moved = Fixtures.maxAbsDiff(ReferenceForward.logits(Fixtures.dir("smollm3"), ids()),
                ReferenceForward.logits(everyLayer, ids()));
        assertTrue(moved > 100 * ATOL, "NoPE moves the logits by only " + moved);
        Path byInterval = Fixtures.withConfig("smollm3", "smollm3-interval", n -> {
            n.remove("no_rope_layers");
            n.put("no_rope_layer_interval", 2);
        });
        ModelConfig interval = DecoderWeights.load(byInterval).config();
        assertTrue(interval.rotates(0) && !interval.rotates(1), "every no_rope_layer_interval-th layer, counted from 1");
    }

    /** Each of Gemma 3's own features, switched off in turn, moves the reference logits: matching it is not vacuous. */
    @ParameterizedTest
    @ValueSource(strings = {"sliding_window", "rope_local_base_freq", "qk norms"})
    void everyGemma3FeatureMatters(String feature) {
        Path dir = Fixtures.dir("gemma3");
        Consumer<ObjectNode> edit = switch (feature) {
            case "sliding_window" -> c -> c.put("sliding_window", 4096);
            case "rope_local_base_freq" -> c -> c.put("rope_local_base_freq", 1_000_000.0);
            default -> c -> { };
        };
        Path changed = Fixtures.withConfig("gemma3", "gemma3-without-" + feature.replace(' ', '-'), edit);
        float[][][] with = ReferenceForward.logits(dir, ids());
        float[][][] without;
        if (feature.equals("qk norms")) {
            DecoderWeights w = DecoderWeights.load(changed);
            java.util.List<LayerWeights> plain = w.layers().stream().map(l -> new LayerWeights(l.attnNorm(), null, l.q(),
                    l.qBias(), l.k(), l.kBias(), l.v(), l.vBias(), l.o(), l.oBias(), l.mlpNorm(), null, l.gate(), l.gateBias(),
                    l.up(), l.upBias(), l.down(), l.downBias(), null, null, l.postAttnNorm(), l.postMlpNorm())).toList();
            DecoderWeights noQk = new DecoderWeights(w.config(), w.tokenEmbedding(), null, plain, w.finalNorm(), null, w.lmHead());
            without = new float[ids().length][][];
            for (int b = 0; b < ids().length; b++) {
                without[b] = ReferenceForward.logits(noQk, ids()[b]);
            }
        } else {
            without = ReferenceForward.logits(changed, ids());
        }
        double moved = Fixtures.maxAbsDiff(with, without);
        assertTrue(moved > 100 * ATOL, feature + " moves the logits by only " + moved);
    }

    /**
     * Gemma-3-4B and up ship as Gemma3ForConditionalGeneration: its text model (under either saving convention) reads
     * as the Gemma3ForCausalLM it holds, the vision tensors are not read, and the export computes the same logits.
     */
    @ParameterizedTest
    @ValueSource(strings = {"language_model.model.", "model.language_model."})
    void aMultimodalCheckpointsTextModelReadsAsGemma3ForCausalLm(String prefix) {
        Path mm = Fixtures.gemma3Multimodal(prefix);
        DecoderWeights w = DecoderWeights.load(mm);
        assertEquals(dev.secateur.checkpoint.Architecture.GEMMA3, w.config().architecture());
        assertEquals(4, w.config().windowOf(0));
        assertEquals(2, w.config().eosTokenId(), "the top level's eos list, where text_config has none");
        try (Checkpoint ck = Checkpoint.open(mm)) {
            assertTrue(ck.has("model.layers.0.self_attn.q_norm.weight"));
            assertTrue(ck.names().stream().noneMatch(n -> n.contains("vision") || n.contains("multi_modal")), ck.names().toString());
        }
        float[][][] want = ReferenceForward.logits(Fixtures.dir("gemma3"), ids());
        assertEquals(0.0, Fixtures.maxAbsDiff(ReferenceForward.logits(mm, ids()), want), "the same weights");
        try (OrtDecoder d = export(mm, "mm-" + prefix.replace('.', '-'))) {
            assertTrue(Fixtures.maxAbsDiff(d.logits(ids()), want) <= ATOL);
            assertEquals("Gemma3ForCausalLM", d.metadata().get(ModelExport.ARCHITECTURE));
        }
    }

    @Test
    void queryAndKeyNormsAreReadAsOnePlusTheStoredOffsetAndWrittenBack() {
        Path dir = Fixtures.dir("gemma3");
        DecoderWeights w = DecoderWeights.load(dir);
        try (Checkpoint ck = Checkpoint.open(dir)) {
            assertEquals(ck.tensor("model.layers.1.self_attn.q_norm.weight").data()[2] + 1f,
                    w.layers().get(1).qNorm().data()[2]);
            assertEquals(ck.tensor("model.layers.0.self_attn.k_norm.weight").data()[5] + 1f,
                    w.layers().get(0).kNorm().data()[5]);
            Map<String, dev.secateur.checkpoint.Tensor> written = ArchitectureAdapter.of(w.config()).write(w);
            assertEquals(new java.util.TreeSet<>(ck.names()), new java.util.TreeSet<>(written.keySet()));
            for (String n : ck.names()) {
                double diff = Fixtures.maxAbsDiff(ck.tensor(n).data(), written.get(n).data());
                assertTrue(n.endsWith("norm.weight") ? diff <= 1.2e-7 : diff == 0, n + " written back as stored: " + diff);
            }
        }
    }
}
