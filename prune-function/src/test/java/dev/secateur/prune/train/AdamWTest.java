package dev.secateur.prune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdamWTest {

    @Test
    void matchesTheFormulaAndHoldsNoTemporaries() {
        try (NDManager m = NDManager.newBaseManager();
                AdamW opt = new AdamW(m, 0.9, 0.95, 1e-8, 0.1)) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("w", m.create(new float[] {1f, -2f, 3f, 0.5f}, new Shape(2, 2)));
            params.put("b", m.create(new float[] {0.3f, -0.7f}));
            params.values().forEach(p -> p.setRequiresGradient(true));
            double[] w = {1, -2, 3, 0.5};
            double[] mw = new double[4], vw = new double[4];
            double lr = 0.01, scale = 0.5;
            for (int t = 1; t <= 3; t++) {
                try (NDManager s = m.newSubManager()) {
                    // loss = sum(w^2) + sum(b): grad w = 2w, grad b = 1.
                    try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                        gc.backward(params.get("w").square().sum().add(params.get("b").sum()));
                    }
                }
                opt.step(params, lr, scale);
                for (int i = 0; i < 4; i++) {
                    double g = 2 * w[i] * scale;
                    mw[i] = 0.9 * mw[i] + 0.1 * g;
                    vw[i] = 0.95 * vw[i] + 0.05 * g * g;
                    double mh = mw[i] / (1 - Math.pow(0.9, t)), vh = vw[i] / (1 - Math.pow(0.95, t));
                    w[i] = w[i] * (1 - lr * 0.1) - lr * mh / (Math.sqrt(vh) + 1e-8);
                }
                for (NDArray p : params.values()) {
                    NDArray g = p.getGradient();
                    g.muli(0);
                    g.close();
                }
                assertEquals(4, opt.liveArrays(), "two moments per parameter, no leaked temporaries");
            }
            float[] got = params.get("w").toFloatArray();
            for (int i = 0; i < 4; i++) {
                assertEquals(w[i], got[i], 1e-5, "w[" + i + "]");
            }
            // Norm weights and biases (rank 1) are not decayed: b moves by exactly lr·m̂/(√v̂+ε) = lr per step here.
            assertEquals(0.3 - 3 * lr, params.get("b").toFloatArray()[0], 1e-5);
        }
    }

    /** libtorch's grad mode is per thread and on by default on threads other than the engine's first one. */
    @Test
    void updatesOnAThreadWhereGradModeIsOn() throws Exception {
        float[][] after = new float[1][];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try (NDManager m = NDManager.newBaseManager();
                    AdamW opt = new AdamW(m, 0.9, 0.95, 1e-8, 0.0)) {
                ai.djl.pytorch.jni.JniUtils.setGradMode(true);
                NDArray w = m.create(new float[] {1f, 2f});
                w.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    gc.backward(w.square().sum());
                }
                opt.step(Map.of("w", w), 0.1, 1.0);
                after[0] = w.toFloatArray();
                assertEquals(true, ai.djl.pytorch.jni.JniUtils.isGradMode(), "the thread's grad mode is restored");
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        t.start();
        t.join();
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
        // First Adam step moves each weight by lr against the sign of its gradient.
        assertEquals(0.9f, after[0][0], 1e-5);
        assertEquals(1.9f, after[0][1], 1e-5);
    }
}
