package dev.secateur.onnx;

import static dev.secateur.onnx.ExportChecks.ATOL;
import static dev.secateur.onnx.ExportChecks.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.ReferenceForward;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MiniCPM's µP scalars are Granite's four in other words: a MiniCPM must compute what the Granite with the same
 * multipliers computes, and its export must match that.
 */
class MiniCpmExportTest {
    @TempDir
    Path tmp;

    @Test
    void computesWhatTheGraniteWithTheSameMultipliersComputesAndExportsIt() {
        Path dir = Fixtures.minicpm();
        ModelConfig c = ConfigReader.read(dir);
        assertEquals(4.0, c.embeddingScale());
        assertEquals(1.4 / Math.sqrt(2), c.residualMultiplier(), 1e-12);
        assertEquals(4.0, c.logitsScaling(), 1e-12);
        Path granite = Fixtures.withConfig("llama-gqa", "minicpm-as-granite", g -> {
            g.putArray("architectures").add("GraniteForCausalLM");
            g.put("embedding_multiplier", 4.0);
            g.put("residual_multiplier", 1.4 / Math.sqrt(2));
            g.put("logits_scaling", 4.0);
            g.put("attention_multiplier", 1 / Math.sqrt(8));
        });
        float[][][] want = ReferenceForward.logits(dir, ids());
        assertTrue(Fixtures.maxAbsDiff(want, ReferenceForward.logits(granite, ids())) <= 1e-5);
        double moved = Fixtures.maxAbsDiff(want, Fixtures.expected("llama-gqa").logits());
        assertTrue(moved > 100 * ATOL, "MiniCPM's scalars move llama-gqa's logits by only " + moved);
        ExportChecks.assertExportMatches(dir, tmp.resolve("minicpm-onnx"), ids(), want, ATOL, "minicpm");
    }
}
