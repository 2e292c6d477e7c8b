package dev.secateur.onnx;

import static dev.secateur.onnx.ExportChecks.ATOL;
import static dev.secateur.onnx.ExportChecks.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.ReferenceForward;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * StableLM's block (Llama's with LayerNorms, q/k/v biases and partial rotary positions) in the exported graph, held
 * to the Java reference forward (no torch here; its LayerNorm is the one GPT-2's torch-made fixture holds, its partial
 * rotary the one Phi-4-mini's rows use), after showing that the block moves the logits it is compared with.
 */
class StableLmExportTest {
    @TempDir
    Path tmp;

    @Test
    void readsEveryNormWithItsBiasAndWritesTheCheckpointBackAsStored() throws Exception {
        Path dir = Fixtures.stablelm();
        DecoderWeights w = DecoderWeights.load(dir);
        LayerWeights l = w.layers().get(1);
        assertNotNull(l.attnNormBias());
        assertNotNull(l.mlpNormBias());
        assertNotNull(w.finalNormBias());
        assertNotNull(l.qBias(), "use_qkv_bias");
        assertEquals(4, w.config().rotaryDim(), "partial_rotary_factor 0.5 of head_dim 8");
        assertEquals(1e-5, w.config().normEps(), "layer_norm_eps");
        ExportChecks.assertWrittenBackAsStored(dir, 0);
    }

    @Test
    void exportedLogitsMatchTheReferenceWholeAndThroughTheKvCache() {
        Path dir = Fixtures.stablelm();
        float[][][] want = ReferenceForward.logits(dir, ids());
        double moved = Fixtures.maxAbsDiff(want, Fixtures.expected("llama-gqa").logits());
        assertTrue(moved > 100 * ATOL, "StableLM's block moves llama-gqa's logits by only " + moved);
        Path fullRotary = Fixtures.withConfig(dir, "stablelm-full-rotary", c -> c.put("partial_rotary_factor", 1.0));
        double partial = Fixtures.maxAbsDiff(want, ReferenceForward.logits(fullRotary, ids()));
        assertTrue(partial > 100 * ATOL, "the partial rotary part moves the logits by only " + partial);
        ExportChecks.assertExportMatches(dir, tmp.resolve("stablelm-onnx"), ids(), want, ATOL, "stablelm");
    }

    @Test
    void defaultsToAQuarterOfEachHeadRotatingAndRefusesStableLm2_12bsExtras() {
        Path noFactor = Fixtures.withConfig(Fixtures.stablelm(), "stablelm-default-rotary", c -> c.remove("partial_rotary_factor"));
        assertEquals(2, ConfigReader.read(noFactor).rotaryDim(), "StableLmConfig's 0.25 of head_dim 8");
        for (String key : new String[] {"qk_layernorm", "use_parallel_residual"}) {
            Path extra = Fixtures.withConfig(Fixtures.stablelm(), "stablelm-" + key, c -> c.put(key, true));
            CheckpointException e = assertThrows(CheckpointException.class, () -> ConfigReader.read(extra));
            assertTrue(e.getMessage().contains(key), e.getMessage());
        }
    }
}
