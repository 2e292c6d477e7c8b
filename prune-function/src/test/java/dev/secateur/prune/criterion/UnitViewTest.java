package dev.secateur.prune.criterion;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import dev.secateur.checkpoint.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UnitViewTest {

    /** The batched product against the definition, Σ_i W[i, g·b + x]·W[i, g·b + y], on an uneven shape. */
    @Test
    void outputGramIsEachUnitsGramMatrix() {
        int h = 7, units = 3, b = 5;
        Tensor w = Tensor.zeros(h, units * b);
        Random r = new Random(3);
        for (int i = 0; i < w.numel(); i++) {
            w.data()[i] = (float) r.nextGaussian();
        }
        UnitView v = new UnitView(Structure.ATTENTION_HEADS, units, b, null, w);
        double[][] g;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            g = v.outputGram(m);
        }
        assertEquals(units, g.length);
        for (int u = 0; u < units; u++) {
            assertEquals(b * b, g[u].length);
            for (int x = 0; x < b; x++) {
                for (int y = 0; y < b; y++) {
                    double want = 0;
                    for (int i = 0; i < h; i++) {
                        want += (double) w.data()[i * units * b + u * b + x] * w.data()[i * units * b + u * b + y];
                    }
                    assertEquals(want, g[u][x * b + y], 1e-9 * (1 + Math.abs(want)), "unit " + u + " (" + x + ", " + y + ")");
                }
            }
        }
    }
}
