package dev.secateur.prune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.secateur.prune.model.DecoderModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training through the real DJL decoder forward. */
class DecoderTrainingTest {

    @Test
    void gradientsMatchFiniteDifferences() {
        try (DecoderModel model = new DecoderModel(TinyModels.llama(8, 2, 2, 1, 12, 11, 5), Device.cpu());
                NDManager m = NDManager.newBaseManager()) {
            DecoderLm lm = new DecoderLm(model);
            long[] ids = {1, 4, 7, 2, 9, 3, 3, 10, 0, 5, 6, 8, 2, 1};
            NDArray all = m.create(ids, new Shape(2, 7));
            NDArray x = all.get(":, 0:6");
            NDArray y = all.get(":, 1:7");
            Map<String, NDArray> params = lm.parameters();
            params.values().forEach(p -> p.setRequiresGradient(true));
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                gc.backward(Losses.crossEntropy(lm.logits(x), y));
            }
            Random r = new Random(3);
            int checked = 0;
            // A handful of weights from every kind of tensor: embedding, attention, rotary path, norms, MLP, head.
            for (String name : List.of("tokenEmbedding", "layers.0.q", "layers.0.k", "layers.0.v", "layers.0.o",
                    "layers.1.attnNorm", "layers.1.gate", "layers.1.up", "layers.1.down", "finalNorm", "lmHead")) {
                NDArray p = params.get(name);
                float[] grad = p.getGradient().toFloatArray();
                float[] w = p.toFloatArray();
                for (int k = 0; k < 2; k++) {
                    int i = largestOf(grad, r);
                    double h = 1e-2;
                    float orig = w[i];
                    w[i] = (float) (orig + h);
                    p.set(w);
                    double plus = Losses.crossEntropy(lm.logits(x), y).getFloat();
                    w[i] = (float) (orig - h);
                    p.set(w);
                    double minus = Losses.crossEntropy(lm.logits(x), y).getFloat();
                    w[i] = orig;
                    p.set(w);
                    double numeric = (plus - minus) / (2 * h);
                    assertEquals(numeric, grad[i], 2e-3 + 0.03 * Math.abs(numeric), name + "[" + i + "]");
                    checked++;
                }
            }
            assertEquals(22, checked);
            params.values().forEach(p -> p.setRequiresGradient(false));
        }
    }

    /** An index among the larger gradients (random among the top quarter), so the check is not all noise. */
    private static int largestOf(float[] g, Random r) {
        Integer[] idx = new Integer[g.length];
        for (int i = 0; i < g.length; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (a, b) -> Float.compare(Math.abs(g[b]), Math.abs(g[a])));
        return idx[r.nextInt(Math.max(1, g.length / 4))];
    }

    @Test
    void learnsToCount() {
        int vocab = 16;
        int[] tokens = TrainerLoopTest.counting(4000, vocab);
        TrainSettings s = TrainSettings.of(16, 8, 60, 1e-2, 1, 0).withLogEvery(1000);
        try (DecoderModel model = new DecoderModel(TinyModels.llama(32, 2, 4, 2, 64, vocab, 1), Device.cpu())) {
            Trainer.Result r = new Trainer(new DecoderLm(model), s, new TokenWindows(tokens, 1), null, null).run(false);
            assertTrue(r.losses().get(0) > 2.5, "starts near ln 16 = 2.77: " + r.losses().get(0));
            assertTrue(r.lastLoss() < 0.1, "counting learned: " + r.lastLoss());
        }
    }

    @Test
    void resumeAfterInterruptionReproducesTheUninterruptedRun(@TempDir Path dir) throws Exception {
        Random rnd = new Random(4);
        int[] tokens = new int[3000];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = i % 3 == 2 ? tokens[i - 2] : rnd.nextInt(20); // copy-ish structure
        }
        TrainSettings s = TrainSettings.of(12, 4, 24, 5e-3, 9, 8).withLogEvery(1000);
        List<Double> full;
        try (DecoderModel model = new DecoderModel(TinyModels.llama(16, 2, 2, 1, 24, 20, 2), Device.cpu())) {
            full = new Trainer(new DecoderLm(model), s, new TokenWindows(tokens, 9), null, null).run(false).losses();
        }
        TrainCheckpoints ck = new TrainCheckpoints(dir);
        try (DecoderModel model = new DecoderModel(TinyModels.llama(16, 2, 2, 1, 24, 20, 2), Device.cpu())) {
            new Trainer(new DecoderLm(model), s, new TokenWindows(tokens, 9), ck, null).run(false, 19); // killed at 19
        }
        Files.createDirectories(dir.resolve("step-00000020.partial")); // a checkpoint the kill interrupted
        Trainer.Result resumed;
        try (DecoderModel model = new DecoderModel(TinyModels.llama(16, 2, 2, 1, 24, 20, 77), Device.cpu())) {
            resumed = new Trainer(new DecoderLm(model), s, new TokenWindows(tokens, 9), ck, null).run(true);
        }
        assertEquals(16, resumed.startStep(), "continues after the last complete checkpoint");
        assertEquals(8, resumed.losses().size());
        for (int i = 0; i < 8; i++) {
            assertEquals(full.get(16 + i), resumed.losses().get(i), 1e-5, "loss at step " + (17 + i));
        }
    }
}
