package dev.secateur.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.Checkpoint;
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
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Gemma 2's block in the exported graph, held to the Java reference forward (torch is not installed where these run,
 * so there is no torch reference for it), and each of its departures from Llama shown to matter on the fixture.
 */
class Gemma2ExportTest {
    static final double ATOL = 1e-4;

    @TempDir
    Path tmp;

    static float[][][] reference(Path dir, long[][] ids) {
        return ReferenceForward.logits(dir, ids);
    }

    static long[][] ids() {
        return Fixtures.expected("llama-gqa").inputIds();
    }

    @Test
    void exportedLogitsMatchTheReferenceWholeAndThroughTheKvCache() {
        Path dir = Fixtures.dir("gemma2");
        float[][][] want = reference(dir, ids());
        Path out = tmp.resolve("gemma2");
        ArtifactWriter.writeFolder(dir, out, ArtifactWriter.Options.defaults(false)
                .withMetadata(Map.of(ModelExport.PLAN, "{\"criterion\":\"none\"}")));
        try (OrtDecoder d = OrtDecoder.open(out)) {
            assertTrue(Fixtures.maxAbsDiff(d.logits(ids()), want) <= ATOL);
            int[] seq = Arrays.stream(ids()[1]).mapToInt(v -> (int) v).toArray();
            try (Generator g = d.generator()) {
                float[] last = null;
                for (int token : seq) {
                    last = g.feed(new int[] {token});
                }
                assertTrue(Fixtures.maxAbsDiff(last, want[1][seq.length - 1]) <= ATOL, "with the KV cache");
            }
            assertEquals(128, d.maxPositions(), "max_position_embeddings: the window is masked");
        }
    }

    /** Each departure from Llama, switched off in turn, moves the reference logits: matching it is not vacuous. */
    @ParameterizedTest
    @ValueSource(strings = {"attn_logit_softcapping", "final_logit_softcapping", "query_pre_attn_scalar", "post norms"})
    void everyGemmaFeatureMatters(String feature) {
        Path dir = Fixtures.dir("gemma2");
        Consumer<ObjectNode> edit = switch (feature) {
            case "query_pre_attn_scalar" -> c -> c.put("query_pre_attn_scalar", 8);
            case "post norms" -> c -> { };
            default -> c -> c.putNull(feature);
        };
        Path changed = Fixtures.withConfig("gemma2", "gemma2-without-" + feature.replace(' ', '-'), edit);
        float[][][] with = reference(dir, ids());
        float[][][] without;
        if (feature.equals("post norms")) {
            DecoderWeights w = DecoderWeights.load(changed);
            java.util.List<LayerWeights> plain = w.layers().stream().map(l -> new LayerWeights(l.attnNorm(), null, l.q(),
                    l.qBias(), l.k(), l.kBias(), l.v(), l.vBias(), l.o(), l.oBias(), l.mlpNorm(), null, l.gate(), l.gateBias(),
                    l.up(), l.upBias(), l.down(), l.downBias())).toList();
            DecoderWeights noPost = new DecoderWeights(w.config(), w.tokenEmbedding(), null, plain, w.finalNorm(), null, w.lmHead());
            without = new float[ids().length][][];
            for (int b = 0; b < ids().length; b++) {
                without[b] = ReferenceForward.logits(noPost, ids()[b]);
            }
        } else {
            without = reference(changed, ids());
        }
        double moved = Fixtures.maxAbsDiff(with, without);
        assertTrue(moved > 100 * ATOL, feature + " moves the logits by only " + moved);
    }

    @Test
    void normsAreReadAsOnePlusTheStoredOffsetAndWrittenBackUnderGemmasNames() throws Exception {
        Path dir = Fixtures.dir("gemma2");
        DecoderWeights w = DecoderWeights.load(dir);
        try (Checkpoint ck = Checkpoint.open(dir)) {
            float stored = ck.tensor("model.layers.0.pre_feedforward_layernorm.weight").data()[3];
            assertEquals(stored + 1f, w.layers().get(0).mlpNorm().data()[3]);
            assertEquals(ck.tensor("model.layers.1.post_attention_layernorm.weight").data()[0] + 1f,
                    w.layers().get(1).postAttnNorm().data()[0]);
            assertEquals(ck.tensor("model.norm.weight").data()[5] + 1f, w.finalNorm().data()[5]);
        }
        // (w + 1) − 1 in float32 is w to within one ulp of 1 (6e-8); Hugging Face forms the same 1 + w in float32
        ExportChecks.assertWrittenBackAsStored(dir, 1.2e-7);
        assertNull(w.layers().get(0).qNorm());
    }
}
