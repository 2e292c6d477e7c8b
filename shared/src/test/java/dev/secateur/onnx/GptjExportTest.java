package dev.secateur.onnx;

import static dev.secateur.onnx.ExportChecks.ATOL;
import static dev.secateur.onnx.ExportChecks.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.ArchitectureAdapter;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.model.StreamedCheckpoint;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.ReferenceForward;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-J's block (Phi's side-by-side block without attention biases) and its interleaved rotary positions, which the
 * adapter turns into the canonical half-split rotation by reordering q/k rows; the reordering is held to GPT-J's
 * rotate_every_two written out here, and the exported graph to the Java reference.
 */
class GptjExportTest {
    @TempDir
    Path tmp;

    @Test
    void readsGptjsBlockAndWritesTheCheckpointBackAsStored() throws Exception {
        Path dir = Fixtures.gptj();
        DecoderWeights w = DecoderWeights.load(dir);
        LayerWeights l = w.layers().get(0);
        assertTrue(w.config().parallelResidual());
        assertEquals(4, w.config().rotaryDim());
        assertNull(l.mlpNorm(), "one norm per block");
        assertNull(l.qBias());
        assertNull(l.oBias());
        assertNotNull(l.upBias());
        assertNotNull(w.lmHeadBias());
        try (StreamedCheckpoint s = StreamedCheckpoint.open(dir)) {
            assertEquals(w.parameterCount(), s.parameterCount());
        }
        ExportChecks.assertWrittenBackAsStored(dir, 0);
    }

    /**
     * For every head and a few position pairs, q·k after GPT-J's rotation of the stored rows (pairs 2j, 2j + 1 turned by
     * m / 10000^(2j / rotary_dim)) equals q·k after the canonical rotation of the rows as read (pairs j, j + rotary_dim / 2).
     */
    @Test
    void reorderedRowsUnderTheHalfSplitRotationScoreAsGptjsInterleavedRotation() throws Exception {
        Path dir = Fixtures.gptj();
        DecoderWeights w = DecoderWeights.load(dir);
        int hd = w.headDim(), rotary = w.config().rotaryDim(), heads = w.config().numHeads(), hidden = w.config().hiddenSize();
        Random r = new Random(11);
        double[] x = new double[hidden], y = new double[hidden];
        for (int i = 0; i < hidden; i++) {
            x[i] = r.nextGaussian();
            y[i] = r.nextGaussian();
        }
        try (Checkpoint ck = Checkpoint.open(dir)) {
            Tensor qs = ck.tensor("transformer.h.1.attn.q_proj.weight"), ks = ck.tensor("transformer.h.1.attn.k_proj.weight");
            LayerWeights l = w.layers().get(1);
            for (int head = 0; head < heads; head++) {
                for (int[] mn : new int[][] {{0, 0}, {3, 1}, {6, 2}, {5, 5}}) {
                    double gptj = dot(interleaved(project(qs, head, hd, x), rotary, mn[0]), interleaved(project(ks, head, hd, y), rotary, mn[1]));
                    double ours = dot(halves(project(l.q(), head, hd, x), rotary, mn[0]), halves(project(l.k(), head, hd, y), rotary, mn[1]));
                    assertEquals(gptj, ours, 1e-9 * Math.max(1, Math.abs(gptj)), "head " + head + " at " + mn[0] + ", " + mn[1]);
                }
            }
        }
    }

    @Test
    void exportedLogitsMatchTheReferenceWholeAndThroughTheKvCache() {
        Path dir = Fixtures.gptj();
        ExportChecks.assertExportMatches(dir, tmp.resolve("gptj-onnx"), ids(), ReferenceForward.logits(dir, ids()), ATOL, "gptj");
    }

    /** A compensated out_proj bias has no place in GPT-J's checkpoint: folded into fc_out's, it computes the same. */
    @Test
    void anOutProjBiasIsFoldedIntoFcOutsBias() throws Exception {
        DecoderWeights w = DecoderWeights.load(Fixtures.gptj());
        LayerWeights l = w.layers().get(0);
        float[] o = new float[w.config().hiddenSize()];
        for (int i = 0; i < o.length; i++) {
            o[i] = 0.05f * (i % 7 - 3);
        }
        LayerWeights withO = new LayerWeights(l.attnNorm(), l.attnNormBias(), l.q(), null, l.k(), null, l.v(), null, l.o(),
                new Tensor(new int[] {o.length}, o), null, null, null, null, l.up(), l.upBias(), l.down(), l.downBias());
        DecoderWeights biased = w.withLayers(List.of(withO, w.layers().get(1)));
        Map<String, Tensor> written = ArchitectureAdapter.of(w.config()).write(biased);
        assertTrue(written.keySet().stream().noneMatch(n -> n.contains("out_proj.bias")));
        Path folded = tmp.resolve("gptj-folded");
        java.nio.file.Files.createDirectories(folded);
        java.nio.file.Files.copy(Fixtures.gptj().resolve("config.json"), folded.resolve("config.json"));
        dev.secateur.checkpoint.SafetensorsWriter.write(folded.resolve("model.safetensors"), written,
                dev.secateur.checkpoint.DType.F32, Map.of("format", "pt"));
        float[][][] want = {ReferenceForward.logits(biased, ids()[0])};
        float[][][] got = {ReferenceForward.logits(DecoderWeights.load(folded), ids()[0])};
        assertTrue(Fixtures.maxAbsDiff(got, want) <= 1e-5, "folded: " + Fixtures.maxAbsDiff(got, want));
        float[][][] unbiased = {ReferenceForward.logits(w, ids()[0])};
        assertTrue(Fixtures.maxAbsDiff(want, unbiased) > 100 * ATOL, "the bias moves the logits");
    }

    @Test
    void rotaryDimMustFitTheHead() {
        for (String bad : new String[] {"null", "absent", "3"}) {
            Path dir = Fixtures.withConfig(Fixtures.gptj(), "gptj-rotary-" + bad, c -> {
                switch (bad) {
                    case "null" -> c.putNull("rotary_dim");
                    case "absent" -> c.remove("rotary_dim"); // GPTJConfig's 64, wider than head_dim 8
                    default -> c.put("rotary_dim", 3);
                }
            });
            CheckpointException e = assertThrows(CheckpointException.class, () -> ConfigReader.read(dir));
            assertTrue(e.getMessage().contains("rotary_dim"), e.getMessage());
        }
    }

    private static double[] project(Tensor w, int head, int hd, double[] x) {
        int in = w.dim(1);
        double[] out = new double[hd];
        for (int d = 0; d < hd; d++) {
            for (int i = 0; i < in; i++) {
                out[d] += w.data()[(head * hd + d) * in + i] * x[i];
            }
        }
        return out;
    }

    private static double[] interleaved(double[] v, int rotary, int pos) {
        double[] out = v.clone();
        for (int j = 0; j < rotary / 2; j++) {
            double a = pos / Math.pow(10000, 2.0 * j / rotary);
            out[2 * j] = v[2 * j] * Math.cos(a) - v[2 * j + 1] * Math.sin(a);
            out[2 * j + 1] = v[2 * j + 1] * Math.cos(a) + v[2 * j] * Math.sin(a);
        }
        return out;
    }

    private static double[] halves(double[] v, int rotary, int pos) {
        double[] out = v.clone();
        int half = rotary / 2;
        for (int j = 0; j < half; j++) {
            double a = pos / Math.pow(10000, 2.0 * j / rotary);
            out[j] = v[j] * Math.cos(a) - v[j + half] * Math.sin(a);
            out[j + half] = v[j + half] * Math.cos(a) + v[j] * Math.sin(a);
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
