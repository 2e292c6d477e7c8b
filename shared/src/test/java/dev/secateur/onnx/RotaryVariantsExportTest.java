package dev.secateur.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.runtime.Generator;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.ReferenceForward;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Phi-3.5's longrope, Phi-4-mini's partial rotary factor and YaRN (on a Llama) in the exported graph, held to the Java reference forward
 * (no torch reference is made for them: torch is not installed where these run). Each variant must move the logits
 * well beyond the tolerance, or matching the reference would prove nothing.
 */
class RotaryVariantsExportTest {
    static final double ATOL = 1e-4;

    @TempDir
    Path tmp;

    static float[][][] reference(Path dir, long[][] ids) {
        return ReferenceForward.logits(dir, ids);
    }

    @ParameterizedTest
    @ValueSource(strings = {"longrope", "partial", "longrope-partial", "yarn"})
    void exportedLogitsMatchTheReferenceAndTheVariantMatters(String variant) {
        boolean yarn = variant.equals("yarn");
        Path dir = yarn ? Fixtures.llamaYarn() : Fixtures.phi3Rotary(variant);
        Fixtures.Expected base = Fixtures.expected(yarn ? "llama-gqa" : "phi3");
        long[][] ids = base.inputIds();
        float[][][] want = reference(dir, ids);
        double moved = Fixtures.maxAbsDiff(want, base.logits());
        assertTrue(moved > 100 * ATOL, variant + " moves the logits by only " + moved);
        Path out = tmp.resolve(variant);
        ArtifactWriter.writeFolder(dir, out, ArtifactWriter.Options.defaults(false)
                .withMetadata(Map.of(ModelExport.PLAN, "{\"criterion\":\"none\"}")));
        try (OrtDecoder d = OrtDecoder.open(out)) {
            double diff = Fixtures.maxAbsDiff(d.logits(ids), want);
            assertTrue(diff <= ATOL, variant + ": max |Δlogit| " + diff);
            // one token at a time through the KV cache: the same rotation at each position
            int[] seq = java.util.Arrays.stream(ids[0]).mapToInt(v -> (int) v).toArray();
            try (Generator g = d.generator()) {
                float[] last = null;
                for (int t = 0; t < seq.length; t++) {
                    last = g.feed(new int[] {seq[t]});
                }
                assertTrue(Fixtures.maxAbsDiff(last, want[0][seq.length - 1]) <= ATOL, variant + " with the KV cache");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"longrope", "longrope-partial"})
    void longropeStopsTheContextAtTheOriginalLength(String variant) {
        ModelConfig c = ConfigReader.read(Fixtures.phi3Rotary(variant));
        assertEquals(128, c.contextLength(), "past original_max_position_embeddings Hugging Face switches to long_factor");
        assertTrue(c.contextLengthReason().contains("original_max_position_embeddings 128"), c.contextLengthReason());
        assertEquals(Math.sqrt(1 + Math.log(4) / Math.log(128)), c.ropeScaling().attentionFactor(), 1e-15);
    }

    @org.junit.jupiter.api.Test
    void yarnKeepsTheWholeContext() {
        ModelConfig c = ConfigReader.read(Fixtures.llamaYarn());
        assertEquals(128, c.contextLength(), "YaRN's frequencies are the same at every position");
        assertEquals(0.1 * Math.log(4) + 1, c.ropeScaling().attentionFactor(), 1e-15);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {1, 0.25, 0.025, 0.0025},
                c.ropeScaling().apply(new double[] {1, 1, 0.1, 0.01}), 1e-15);
    }
}
