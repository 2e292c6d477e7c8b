package dev.secateur.prune.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.Tensor;
import dev.secateur.prune.model.WithDjlManager;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Layer scores follow the method: each basis prefers the block its own idea says is cheapest. */
class LayerScoresTest extends WithDjlManager {
    static final int N = 400, H = 8;

    interface Update {
        double at(float[] x, int c, Random r);
    }

    /** Block input: correlated Gaussian rows; output = input + update. */
    static LayerScores.LayerInputs layer(long seed, double weightEnergy, Update u) {
        Random r = new Random(seed);
        float[] in = new float[N * H], out = new float[N * H];
        for (int i = 0; i < N; i++) {
            double shared = r.nextGaussian();
            for (int c = 0; c < H; c++) {
                in[i * H + c] = (float) (r.nextGaussian() + 0.5 * shared);
            }
            float[] row = java.util.Arrays.copyOfRange(in, i * H, i * H + H);
            for (int c = 0; c < H; c++) {
                out[i * H + c] = (float) (in[i * H + c] + u.at(row, c, r));
            }
        }
        return new LayerScores.LayerInputs(new Tensor(new int[] {N, H}, in), new Tensor(new int[] {N, H}, out), weightEnergy);
    }

    static int cheapest(String method, List<LayerScores.LayerInputs> layers) {
        List<LayerScores.Score> s = LayerScores.compute(method, manager, layers, 1.0, 256, 0, 1e-6);
        return LayerDrop.choose(s, 1.0 / layers.size(), null)[0];
    }

    @Test
    void miDropsTheBlockWhoseUpdateItsInputExplainsAndWandaSpTheSmallestUpdate() {
        // layer 0: a large update that is a linear function of the input; layer 1: a smaller update unrelated to it
        LayerScores.LayerInputs linear = layer(1, 1, (x, c, r) -> 0.8 * x[(c + 1) % H] - 0.5 * x[c]);
        LayerScores.LayerInputs noise = layer(2, 1, (x, c, r) -> 0.3 * r.nextGaussian());
        List<LayerScores.LayerInputs> layers = List.of(linear, noise);
        assertEquals(0, cheapest("mi", layers));
        assertEquals(1, cheapest("wanda-sp", layers));
        List<LayerScores.Score> mi = LayerScores.compute("mi", manager, layers, 1.0, 256, 0, 1e-6);
        assertTrue(mi.get(0).cost() < 1e-3 && mi.get(1).cost() > 0.01, mi.toString());
    }

    @Test
    void flapIgnoresAConstantUpdateThatBiasCompensationRestores() {
        LayerScores.LayerInputs constant = layer(3, 1, (x, c, r) -> 2.0);
        LayerScores.LayerInputs small = layer(4, 1, (x, c, r) -> 0.2 * r.nextGaussian());
        List<LayerScores.LayerInputs> layers = List.of(small, constant);
        assertEquals(1, cheapest("flap", layers));
        assertEquals(0, cheapest("wanda-sp", layers));
    }

    @Test
    void miPairwiseDropsTheBlockWhoseOutputCarriesItsInputAndMagnitudeReadsOnlyWeights() {
        LayerScores.LayerInputs identityLike = layer(5, 10, (x, c, r) -> 0.01 * r.nextGaussian());
        LayerScores.LayerInputs scrambling = layer(6, 1, (x, c, r) -> -x[c] + 1.5 * r.nextGaussian());
        List<LayerScores.LayerInputs> layers = List.of(scrambling, identityLike);
        assertEquals(1, cheapest("mi-pairwise", layers));
        List<LayerScores.Score> s = LayerScores.compute("mi-pairwise", manager, layers, 1.0, 256, 0, 1e-6);
        assertTrue(s.get(1).information() > s.get(0).information(), s.toString());
        // the same activations, but magnitude looks at the weights: layer 0 writes with less energy
        assertEquals(0, cheapest("magnitude", layers));
    }

    @Test
    void randomIsSeededAndMethodsWithoutABlockScoreFallBackToTheUpdateSize() {
        List<LayerScores.LayerInputs> layers = List.of(layer(7, 1, (x, c, r) -> 0.5 * r.nextGaussian()),
                layer(8, 1, (x, c, r) -> 0.1 * r.nextGaussian()), layer(9, 1, (x, c, r) -> 0.3 * r.nextGaussian()));
        double[] a = LayerScores.compute("random", manager, layers, 1, 256, 4, 0).stream().mapToDouble(LayerScores.Score::cost).toArray();
        double[] b = LayerScores.compute("random", manager, layers, 1, 256, 4, 0).stream().mapToDouble(LayerScores.Score::cost).toArray();
        assertArrayEquals(a, b);
        List<LayerScores.Score> taylor = LayerScores.compute("taylor", manager, layers, 1, 256, 0, 0);
        List<LayerScores.Score> wanda = LayerScores.compute("wanda-sp", manager, layers, 1, 256, 0, 0);
        assertEquals(wanda, taylor);
        assertTrue(LayerScores.basis("taylor").contains("no per-block score"), LayerScores.basis("taylor"));
        assertEquals(1, cheapest("taylor", layers));
    }
}
