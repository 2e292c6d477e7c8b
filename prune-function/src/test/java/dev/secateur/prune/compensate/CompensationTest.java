package dev.secateur.prune.compensate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.apply.StructuredSlicer;
import dev.secateur.prune.calibration.LayerActivations;
import dev.secateur.prune.model.WithDjlManager;
import dev.secateur.prune.plan.LayerPlan;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CompensationTest extends WithDjlManager {

    static final int N = 500, FFN = 12, HIDDEN = 6;

    /** Correlated, non-centred activations (like SiLU outputs), a dense down_proj with a bias. */
    static LayerActivations acts() {
        Random r = new Random(11);
        float[] z = new float[N * FFN];
        for (int i = 0; i < N; i++) {
            double[] f = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
            for (int c = 0; c < FFN; c++) {
                z[i * FFN + c] = (float) (0.5 + f[c % 3] * (1 + c * 0.1) + 0.3 * r.nextGaussian());
            }
        }
        return new LayerActivations(0, 1, 1, 1, new Tensor(new int[] {N, FFN}, z), null, null, null, null);
    }

    static LayerWeights weights() {
        Random r = new Random(12);
        float[] d = new float[HIDDEN * FFN], b = new float[HIDDEN];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextGaussian();
        }
        Tensor up = Tensor.zeros(FFN, HIDDEN);
        return new LayerWeights(null, null, Tensor.zeros(1, HIDDEN), null, Tensor.zeros(1, HIDDEN), null, Tensor.zeros(1, HIDDEN), null,
                Tensor.zeros(HIDDEN, 1), null, null, null, up, null, up, null, new Tensor(new int[] {HIDDEN, FFN}, d), new Tensor(new int[] {HIDDEN}, b));
    }

    /** Σ over calibration tokens of ||(Z_K W'ᵀ + b') − (Z Wᵀ + b)||² after slicing. */
    static double reconstructionError(LayerWeights dense, LayerWeights pruned, Tensor z, int[] kept) {
        Tensor zk = z.selectColumns(kept);
        double err = 0;
        for (int i = 0; i < N; i++) {
            for (int o = 0; o < HIDDEN; o++) {
                double want = dense.downBias().data()[o], got = pruned.downBias() == null ? 0 : pruned.downBias().data()[o];
                for (int c = 0; c < FFN; c++) {
                    want += (double) z.data()[i * FFN + c] * dense.down().data()[o * FFN + c];
                }
                for (int c = 0; c < kept.length; c++) {
                    got += (double) zk.data()[i * kept.length + c] * pruned.down().data()[o * kept.length + c];
                }
                err += (want - got) * (want - got);
            }
        }
        return err;
    }

    @Test
    void leastSquaresLowersBlockReconstructionErrorVersusNoneAndBias() {
        LayerActivations a = acts();
        LayerWeights w = weights();
        int[] kept = {0, 1, 2, 4, 6, 7, 9, 10};
        LayerPlan plan = new LayerPlan(0, kept, new int[] {0}, new int[] {0});
        double none = reconstructionError(w, StructuredSlicer.sliceFfn(Compensator.NONE.compensate(w, a, plan), kept), a.ffnIntermediate(), kept);
        double bias = reconstructionError(w, StructuredSlicer.sliceFfn(new BiasCompensation(BiasSites.ALL).compensate(w, a, plan), kept), a.ffnIntermediate(), kept);
        double lsq = reconstructionError(w, StructuredSlicer.sliceFfn(new LeastSquaresCompensation(manager, 1e-3, BiasSites.ALL).compensate(w, a, plan), kept),
                a.ffnIntermediate(), kept);
        assertTrue(bias < none, "bias " + bias + " vs none " + none);
        assertTrue(lsq < 0.5 * bias, "lsq " + lsq + " vs bias " + bias);
        // without a bias fit it still beats none
        double lsqNoBias = reconstructionError(w, StructuredSlicer.sliceFfn(new LeastSquaresCompensation(manager, 1e-3, BiasSites.NONE).compensate(w, a, plan), kept),
                a.ffnIntermediate(), kept);
        assertTrue(lsqNoBias < none, "lsq without bias " + lsqNoBias + " vs none " + none);
    }

    /**
     * Where the checkpoint's Hugging Face code holds no bias on a projection (Mistral's down_proj, Qwen2's o_proj), neither
     * compensation leaves one there: lsq refits the kept weights alone and bias leaves the site as it was.
     */
    @Test
    void aSiteThatCannotHoldABiasGetsNone() {
        LayerActivations a = acts();
        LayerWeights w = weights();
        int[] kept = {0, 1, 2, 4, 6, 7, 9, 10};
        LayerPlan plan = new LayerPlan(0, kept, new int[] {0}, new int[] {0});
        BiasSites noMlpBias = new BiasSites(false, true);
        LayerWeights lsq = new LeastSquaresCompensation(manager, 1e-3, noMlpBias).compensate(w, a, plan);
        assertEquals(w.downBias(), lsq.downBias());
        assertTrue(!java.util.Arrays.equals(w.down().data(), lsq.down().data()), "the kept weights are refit");
        assertEquals(w, new BiasCompensation(noMlpBias).compensate(w, a, plan));
        assertEquals(BiasSites.of(dev.secateur.checkpoint.Architecture.LLAMA), BiasSites.ALL);
        assertEquals(new BiasSites(false, false), BiasSites.of(dev.secateur.checkpoint.Architecture.QWEN2));
        assertEquals(new BiasSites(false, true), BiasSites.of(dev.secateur.checkpoint.Architecture.GEMMA2));
    }

    @Test
    void nothingRemovedMeansNothingChanged() {
        LayerActivations a = acts();
        LayerWeights w = weights();
        int[] all = java.util.stream.IntStream.range(0, FFN).toArray();
        LayerPlan plan = new LayerPlan(0, all, new int[] {0}, new int[] {0});
        LayerWeights out = new LeastSquaresCompensation(manager, 1e-3, BiasSites.ALL).compensate(w, a, plan);
        assertEquals(w, out);
    }

    @Test
    void biasTakesTheMeanOutputOfTheRemovedHeadsOnly() {
        int heads = 3, headDim = 2, cols = heads * headDim;
        Random r = new Random(13);
        float[] z = new float[N * cols], o = new float[HIDDEN * cols], ob = new float[HIDDEN];
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) (1 + r.nextGaussian());
        }
        for (int i = 0; i < o.length; i++) {
            o[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < ob.length; i++) {
            ob[i] = (float) r.nextGaussian();
        }
        LayerWeights base = weights();
        LayerWeights w = base.withAttention(base.q(), null, base.k(), null, base.v(), null,
                new Tensor(new int[] {HIDDEN, cols}, o), new Tensor(new int[] {HIDDEN}, ob));
        LayerActivations a = new LayerActivations(0, heads, heads, headDim, null, null, new Tensor(new int[] {N, cols}, z), null, null);
        int[] allFfn = java.util.stream.IntStream.range(0, FFN).toArray();
        LayerWeights out = new BiasCompensation(BiasSites.ALL).compensate(w, a, new LayerPlan(0, allFfn, new int[] {0, 2}, new int[] {0, 2}));

        // head 1 (columns 2 and 3) is the one removed
        for (int i = 0; i < HIDDEN; i++) {
            double want = ob[i];
            for (int c = 2; c < 4; c++) {
                double mean = 0;
                for (int t = 0; t < N; t++) {
                    mean += z[t * cols + c];
                }
                want += o[i * cols + c] * mean / N;
            }
            assertEquals(want, out.oBias().data()[i], 1e-4);
        }
        assertEquals(w.o(), out.o());
        assertEquals(w.down(), out.down());
        assertEquals(w.downBias(), out.downBias());
    }

    @Test
    void unknownCompensationIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Compensators.byName("sparsegpt", manager, 1e-2, BiasSites.ALL));
        assertTrue(e.getMessage().contains("unknown compensation 'sparsegpt'"), e.getMessage());
    }
}
