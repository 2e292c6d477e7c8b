package dev.secateur.prune.compensate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.model.WithDjlManager;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DroppedLayerCompensationTest extends WithDjlManager {
    static final int N = 600, D = 10, H = 4;

    static Tensor random(int rows, int cols, Random r, double shift) {
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() + shift);
        }
        return new Tensor(new int[] {rows, cols}, x);
    }

    /** Z Wᵀ + b, [n, h]. */
    static double[] output(Tensor z, Tensor w, Tensor b) {
        double[] y = new double[N * H];
        for (int i = 0; i < N; i++) {
            for (int o = 0; o < H; o++) {
                double s = b == null ? 0 : b.data()[o];
                for (int c = 0; c < D; c++) {
                    s += z.data()[i * D + c] * w.data()[o * D + c];
                }
                y[i * H + o] = s;
            }
        }
        return y;
    }

    static LayerWeights withDown(Tensor down) {
        Tensor up = Tensor.zeros(D, H);
        return new LayerWeights(null, null, Tensor.zeros(2, H), null, Tensor.zeros(2, H), null, Tensor.zeros(2, H), null, Tensor.zeros(H, 2),
                null, null, null, up, null, up, null, down, null);
    }

    @Test
    void lsqMakesTheFfnOutputGainAMissingUpdateItsActivationsCanExpress() {
        Random r = new Random(1);
        Tensor z = random(N, D, r, 0.3), w = random(H, D, r, 0), m = random(H, D, r, 0);
        // the missing update: a linear function of the block's own activations plus a constant
        float[] missing = new float[N * H];
        double[] lin = output(z, m, null);
        for (int i = 0; i < missing.length; i++) {
            missing[i] = (float) (lin[i] + 0.7);
        }
        Tensor miss = new Tensor(new int[] {N, H}, missing);
        int[] all = java.util.stream.IntStream.range(0, D).toArray();
        LayerWeights out = DroppedLayerCompensation.absorb("lsq", manager, 1e-8, withDown(w), z, miss, all, 1.0, BiasSites.ALL);
        double[] before = output(z, w, null), after = output(z, out.down(), out.downBias());
        double err = 0, size = 0;
        for (int i = 0; i < after.length; i++) {
            double target = before[i] + missing[i];
            err += (after[i] - target) * (after[i] - target);
            size += missing[i] * missing[i];
        }
        assertTrue(err < 1e-8 * size, "relative error " + err / size);
    }

    @Test
    void lsqWithRemovedNeuronsStillReducesTheErrorAndBiasAddsTheMean() {
        Random r = new Random(2);
        Tensor z = random(N, D, r, 0), w = random(H, D, r, 0);
        Tensor miss = random(N, H, r, 1.0);
        int[] kept = {0, 1, 2, 3, 4, 5, 6};
        float[] keptOnly = w.data().clone();
        for (int o = 0; o < H; o++) {
            for (int c = 7; c < D; c++) {
                keptOnly[o * D + c] = 0;
            }
        }
        double[] base = output(z, w, null), sliced = output(z, new Tensor(new int[] {H, D}, keptOnly), null);
        LayerWeights lsq = DroppedLayerCompensation.absorb("lsq", manager, 1e-6, withDown(w), z, miss, kept, 1.0, BiasSites.ALL);
        // removed columns are zero after the refit: the sliced block computes exactly this
        for (int o = 0; o < H; o++) {
            for (int c = 7; c < D; c++) {
                assertEquals(0, lsq.down().data()[o * D + c]);
            }
        }
        double[] fitted = output(z, lsq.down(), lsq.downBias());
        double errFit = 0, errNone = 0;
        for (int i = 0; i < fitted.length; i++) {
            double target = base[i] + miss.data()[i];
            errFit += (fitted[i] - target) * (fitted[i] - target);
            errNone += (sliced[i] - target) * (sliced[i] - target);
        }
        assertTrue(errFit < 0.9 * errNone, errFit + " vs " + errNone + " (the kept columns as they were)");

        LayerWeights bias = DroppedLayerCompensation.absorb("bias", manager, 1e-6, withDown(w), z, miss, kept, 1.0, BiasSites.ALL);
        for (int o = 0; o < H; o++) {
            double mean = 0;
            for (int i = 0; i < N; i++) {
                mean += miss.data()[i * H + o] / N;
            }
            assertEquals(mean, bias.downBias().data()[o], 1e-5);
        }
        assertTrue(DroppedLayerCompensation.absorb("none", manager, 1e-6, withDown(w), z, miss, kept, 1.0, BiasSites.ALL).downBias() == null);
    }
}
