package dev.secateur.onnx;

import static dev.secateur.onnx.ExportChecks.ATOL;
import static dev.secateur.onnx.ExportChecks.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.ReferenceForward;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * StarCoder2's block (Llama's attention with biases, LayerNorms, an ungated GeLU MLP under c_fc / c_proj, a sliding
 * window) in the exported graph, held to the Java reference forward (no torch here), after showing that the block and
 * the window each move the logits it is compared with.
 */
class Starcoder2ExportTest {
    @TempDir
    Path tmp;

    @Test
    void readsTheUngatedMlpAndEveryBiasAndWritesTheCheckpointBackAsStored() throws Exception {
        Path dir = Fixtures.starcoder2();
        DecoderWeights w = DecoderWeights.load(dir);
        LayerWeights l = w.layers().get(0);
        assertNull(l.gate(), "c_fc / c_proj: no gate");
        assertFalse(l.gated());
        assertEquals(96, l.ffnWidth());
        assertNotNull(l.oBias());
        assertNotNull(l.upBias());
        assertNotNull(l.attnNormBias());
        assertNotNull(w.finalNormBias());
        assertEquals(4, w.config().windowOf(0));
        ExportChecks.assertWrittenBackAsStored(dir, 0);
    }

    @Test
    void exportedLogitsMatchTheReferenceWholeAndThroughTheKvCache() {
        Path dir = Fixtures.starcoder2();
        float[][][] want = ReferenceForward.logits(dir, ids());
        double moved = Fixtures.maxAbsDiff(want, Fixtures.expected("llama-gqa").logits());
        assertTrue(moved > 100 * ATOL, "StarCoder2's block moves llama-gqa's logits by only " + moved);
        Path unwindowed = Fixtures.withConfig(dir, "starcoder2-no-window", c -> c.putNull("sliding_window"));
        double windowed = Fixtures.maxAbsDiff(want, ReferenceForward.logits(unwindowed, ids()));
        assertTrue(windowed > 100 * ATOL, "the window moves the logits by only " + windowed);
        ExportChecks.assertExportMatches(dir, tmp.resolve("starcoder2-onnx"), ids(), want, ATOL, "starcoder2");
    }

    /** Starcoder2Config's defaults where its keys are absent: tied embeddings (PretrainedConfig's), biases, GeLU, no window. */
    @Test
    void readsStarcoder2ConfigsDefaults() {
        Path bare = Fixtures.withConfig(Fixtures.starcoder2(), "starcoder2-defaults", c -> {
            c.remove(java.util.List.of("use_bias", "norm_epsilon", "hidden_act", "sliding_window", "tie_word_embeddings"));
        });
        ModelConfig c = ConfigReader.read(bare);
        assertTrue(c.tieWordEmbeddings());
        assertTrue(c.attentionBias());
        assertEquals("gelu_pytorch_tanh", c.hiddenAct());
        assertEquals(1e-5, c.normEps());
        assertNull(c.windowOf(0));
    }
}
