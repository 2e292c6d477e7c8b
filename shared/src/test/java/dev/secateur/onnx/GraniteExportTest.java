package dev.secateur.onnx;

import static dev.secateur.onnx.ExportChecks.ATOL;
import static dev.secateur.onnx.ExportChecks.ids;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.ReferenceForward;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Granite's four scalars in the exported graph, held to the Java reference forward (no torch here), each shown to
 * move the fixture's logits so that matching the reference says something.
 */
class GraniteExportTest {
    @TempDir
    Path tmp;

    @Test
    void exportedLogitsMatchTheReferenceWholeAndThroughTheKvCache() {
        Path dir = Fixtures.dir("granite");
        float[][][] want = ReferenceForward.logits(dir, ids());
        ExportChecks.assertExportMatches(dir, tmp.resolve("granite"), ids(), want, ATOL, "granite");
    }

    /** Each scalar set back to Llama's value in turn moves the reference logits. */
    @ParameterizedTest
    @ValueSource(strings = {"embedding_multiplier", "attention_multiplier", "residual_multiplier", "logits_scaling"})
    void everyMultiplierMatters(String key) {
        Path llamaValue = Fixtures.withConfig("granite", "granite-without-" + key,
                c -> c.put(key, key.equals("attention_multiplier") ? 1 / Math.sqrt(8) : 1.0));
        double moved = Fixtures.maxAbsDiff(ReferenceForward.logits(Fixtures.dir("granite"), ids()),
                ReferenceForward.logits(llamaValue, ids()));
        assertTrue(moved > 100 * ATOL, key + " moves the logits by only " + moved);
    }
}
