package dev.secateur.prune.calibration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.model.CaptureSite;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.testsupport.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationTest {
    @TempDir
    Path tmp;

    @Test
    void tooShortTextSaysHowManyTokensItHas() {
        long[] tokens = new long[1000];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CalibrationSampler.windows(tokens, 8, 128, 1));
        assertTrue(e.getMessage().contains("has 1000 tokens") && e.getMessage().contains("need 1024"), e.getMessage());
    }

    @Test
    void windowsAreSeededAndDisjoint() {
        long[] tokens = new long[10_000];
        java.util.Arrays.setAll(tokens, i -> i);
        long[][] a = CalibrationSampler.windows(tokens, 20, 64, 42), b = CalibrationSampler.windows(tokens, 20, 64, 42);
        assertArrayEquals(a, b);
        java.util.Set<Long> starts = new java.util.HashSet<>();
        for (long[] w : a) {
            assertEquals(64, w.length);
            assertEquals(0, w[0] % 64);
            assertTrue(starts.add(w[0]));
        }
        assertTrue(!java.util.Arrays.deepEquals(a, CalibrationSampler.windows(tokens, 20, 64, 43)));
    }

    @Test
    void readsPlainTextAndJsonl() throws Exception {
        Path txt = Files.writeString(tmp.resolve("c.txt"), "hello world");
        assertEquals("hello world", CalibrationText.read(txt));
        Path jsonl = Files.writeString(tmp.resolve("c.jsonl"), "{\"text\": \"one\"}\n\n{\"text\": \"two\", \"id\": 2}\n");
        assertEquals("one\n\ntwo", CalibrationText.read(jsonl));
        Path bad = Files.writeString(tmp.resolve("bad.jsonl"), "{\"text\": \"one\"}\n{\"body\": \"x\"}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CalibrationText.read(bad));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("\"text\""), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CalibrationText.read(tmp.resolve("missing.txt")));
    }

    /** Rows of FFN_INPUT and FFN_INTERMEDIATE are the same tokens: silu(gate·x)·(up·x) recomputed from the input rows. */
    @Test
    void capturedSitesLineUpRowByRowAndRespectTheBudget() {
        DecoderWeights w = DecoderWeights.load(Fixtures.dir("llama-gqa"));
        Random r = new Random(1);
        long[][] windows = new long[6][16];
        for (long[] win : windows) {
            for (int t = 0; t < win.length; t++) {
                win[t] = r.nextInt(w.config().vocabSize());
            }
        }
        try (DecoderModel model = new DecoderModel(w, Device.cpu())) {
            ModelActivationSource src = new ModelActivationSource(model, w, windows, 4, 40,
                    EnumSet.of(CaptureSite.FFN_INPUT, CaptureSite.FFN_INTERMEDIATE, CaptureSite.ATTENTION_HEADS), 7, 1);
            LayerActivations a = src.layer(1);
            assertNull(a.blockInput());
            assertEquals(40, a.ffnIntermediate().dim(0)); // 2 batches × 20 rows
            assertEquals(w.layers().get(1).ffnWidth(), a.ffnIntermediate().dim(1));
            assertEquals(4 * 8, a.heads().dim(1));
            assertEquals(1, src.passes(), "a budget below one layer still captures the layer asked for");
            src.layer(0);
            assertEquals(2, src.passes());
            LayerWeights l = w.layers().get(1);
            int h = l.up().dim(1), f = l.ffnWidth();
            for (int i = 0; i < 40; i += 7) {
                for (int j = 0; j < f; j += 13) {
                    double g = 0, u = 0;
                    for (int c = 0; c < h; c++) {
                        double x = a.ffnInput().data()[i * h + c];
                        g += l.gate().data()[j * h + c] * x;
                        u += l.up().data()[j * h + c] * x;
                    }
                    double want = g / (1 + Math.exp(-g)) * u;
                    assertEquals(want, a.ffnIntermediate().data()[i * f + j], 1e-4 * Math.max(1, Math.abs(want)));
                }
            }
            assertTrue(src.peakBytes() > 0 && src.peakBytes() <= 2 * src.bytesPerLayer(0));
        }
    }
}
