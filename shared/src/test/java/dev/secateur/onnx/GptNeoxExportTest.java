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
