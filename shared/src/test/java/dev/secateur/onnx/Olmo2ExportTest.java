package dev.secateur.onnx;

import static dev.secateur.onnx.ExportChecks.ATOL;
import static dev.secateur.onnx.ExportChecks.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.ReferenceForward;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OLMo 2's block (no pre-norms, norms on both outputs, query/key norms over all heads), and OLMo 3's (the same with
 * sliding layers and YaRN), in the exported graph, held to the Java reference forward (no torch here), after showing
 * that each moves the logits it is compared with.
 */
class Olmo2ExportTest {
    @TempDir
    Path tmp;

    @Test
    void readsOlmo2sTensorsIntoTheCanonicalBlock() {
        {
            LayerWeights l = DecoderWeights.load(Fixtures.olmo2()).layers().get(0);
            assertNull(l.attnNorm(), "no norm before attention");
            assertNull(l.mlpNorm(), "no norm before the MLP");
            assertEquals(32, l.qNorm().numel(), "q_norm spans the 4 query heads of 8");
            assertEquals(16, l.kNorm().numel(), "k_norm spans the 2 key heads of 8");
            assertTrue(l.qkNormSpansHeads());
            assertEquals(32, l.postAttnNorm().numel());
            assertEquals(32, l.postMlpNorm().numel());
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"olmo2", "olmo3"})
    void exportedLogitsMatchTheReferenceWholeAndThroughTheKvCache(String variant) {
        Path dir = variant.equals("olmo3") ? Fixtures.olmo3() : Fixtures.olmo2();
        float[][][] want = ReferenceForward.logits(dir, ids());
        double moved = Fixtures.maxAbsDiff(want, Fixtures.expected("llama-gqa").logits());
        assertTrue(moved > 100 * ATOL, variant + "'s block moves the logits by only " + moved);
        if (variant.equals("olmo3")) {
            double windowed = Fixtures.maxAbsDiff(want, ReferenceForward.logits(Fixtures.olmo2(), ids()));
            assertTrue(windowed > 100 * ATOL, "OLMo 3's window and YaRN move OLMo 2's logits by only " + windowed);
        }
        ExportChecks.assertExportMatches(dir, tmp.resolve(variant), ids(), want, ATOL, variant);
    }
}
