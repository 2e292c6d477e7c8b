package dev.secateur.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.testsupport.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long prompt is fed in pieces whose logits stay within a bound (a 262k vocabulary returns 1 MB of logits per
 * token, so a 4,000-token prompt fed whole would hold 4 GB twice over: in ONNX Runtime and in its Java copy).
 */
class GeneratorPiecesTest {
    @TempDir
    Path tmp;

    @Test
    void piecesKeepEachRunsLogitsWithinTheBound() {
        assertEquals(128, Generator.piece(262_144), "Gemma's vocabulary: 128 tokens of 1 MB");
        assertEquals(1048, Generator.piece(32_000));
        assertEquals(16, Generator.piece(Integer.MAX_VALUE / 4), "at least 16 tokens a run");
        assertTrue(Generator.piece(97) * 4L * 97 <= Generator.LOGITS_BYTES_PER_RUN);
    }

    /** Fed in pieces of 3 past a 4-token window (gemma3): the same next-token logits as one run, and the same cache. */
    @Test
    void aPromptFedInPiecesPredictsAsFedWhole() {
        Path out = tmp.resolve("gemma3");
        ArtifactWriter.writeFolder(Fixtures.dir("gemma3"), out, ArtifactWriter.Options.defaults(false));
        int[] prompt = {5, 9, 44, 2, 31, 8, 19, 40, 3, 11};
        try (OrtDecoder d = OrtDecoder.open(out); Generator whole = d.generator(); Generator pieces = d.generator()) {
            float[][] all = whole.feedAll(prompt);
            float[] last = pieces.feed(prompt, 3);
            assertEquals(prompt.length, pieces.length());
            assertTrue(Fixtures.maxAbsDiff(last, all[prompt.length - 1]) <= 1e-4);
            assertTrue(Fixtures.maxAbsDiff(pieces.feed(new int[] {7}), whole.feed(new int[] {7})) <= 1e-4, "the next step too");
        }
    }

    /**
     * A feed whose third piece fails (a token id past the vocabulary) leaves the cache as it was before the call: the
     * generator then predicts exactly as one that never saw the failed call.
     */
    @Test
    void aFeedThatFailsInALaterPieceLeavesTheCacheAsBefore() {
        Path out = tmp.resolve("llama");
        ArtifactWriter.writeFolder(Fixtures.dir("llama-gqa"), out, ArtifactWriter.Options.defaults(false));
        try (OrtDecoder d = OrtDecoder.open(out); Generator failed = d.generator(); Generator clean = d.generator()) {
            failed.feed(new int[] {5, 9});
            clean.feed(new int[] {5, 9});
            org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                    () -> failed.feed(new int[] {44, 2, 31, 8, 19, 40, 5000}, 3));
            assertEquals(2, failed.length(), "the pieces fed before the failure are undone");
            assertEquals(0, Fixtures.maxAbsDiff(failed.feed(new int[] {3, 11}), clean.feed(new int[] {3, 11})));
        }
    }
}
