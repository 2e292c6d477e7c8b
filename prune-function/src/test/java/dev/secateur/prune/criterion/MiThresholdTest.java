package dev.secateur.prune.criterion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.Tensor;
import dev.secateur.events.Allocation;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;
import dev.secateur.prune.model.WithDjlManager;
import dev.secateur.prune.plan.Target;
import dev.secateur.prune.plan.UnitAllocator;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The seed's threshold mode: remove while a neuron's MI with the kept set exceeds T, and no further. */
class MiThresholdTest extends WithDjlManager {

    record Layer(LayerActivations acts, LayerWeights weights) {
    }

    /**
     * 12 neurons on n tokens: 0..3 and 8..11 independent, 4..7 copies of 0..3 (times {@code scale}, tiny noise); random
     * output weights of a 6-wide model.
     */
    static Layer duplicatedPairs(int n, long seed, double scale) {
        int d = 12, hidden = 6;
        Random r = new Random(seed);
        float[] z = new float[n * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                z[i * d + j] = (float) r.nextGaussian();
            }
            for (int j = 0; j < 4; j++) {
                z[i * d + 4 + j] = (float) (scale * z[i * d + j] + 1e-3 * r.nextGaussian());
            }
        }
        float[] down = new float[hidden * d];
        for (int i = 0; i < down.length; i++) {
            down[i] = (float) r.nextGaussian();
        }
        Tensor up = Tensor.zeros(d, hidden);
        LayerWeights w = new LayerWeights(null, null, Tensor.zeros(2, hidden), null, Tensor.zeros(2, hidden), null, Tensor.zeros(2, hidden), null,
                Tensor.zeros(hidden, 2), null, null, null, up, null, up, null, new Tensor(new int[] {hidden, d}, down), null);
        return new Layer(new LayerActivations(0, 1, 1, 2, new Tensor(new int[] {n, d}, z), null, null, null, null), w);
    }

    @Test
    void removesOneNeuronOfEachDuplicatedPairAndStopsAtTheThreshold() {
        // 12 neurons: 0..3 independent, 4..7 copies of 0..3 (scaled, tiny noise), 8..11 independent
        int n = 3000;
        Layer layer = duplicatedPairs(n, 5, 1.5);
        LayerActivations a = layer.acts();
        LayerWeights w = layer.weights();

        RemovalOrder order = new MiSetSelector(manager, 1e-6, 1.0).order(a, w, Structure.FFN_NEURONS);
        Target threshold = new Target(Structure.FFN_NEURONS, 0, 2.0, Allocation.UNIFORM, 0.05);
        int k = UnitAllocator.count(order, threshold, 1, 0);
        assertEquals(4, k, "one of each of the 4 duplicated pairs, nothing independent: " + Arrays.toString(order.information()));
        Set<Integer> pairs = new HashSet<>();
        for (int i = 0; i < k; i++) {
            int unit = order.order()[i];
            assertTrue(unit < 8, "an independent neuron was removed: " + unit);
            assertTrue(pairs.add(unit % 4), "both members of pair " + unit % 4 + " were removed");
            assertTrue(order.information()[i] > 2.0);
        }
        assertTrue(order.information()[k] <= 2.0, "the next candidate is under the threshold");
    }

    @Test
    void pairwiseRenyiThresholdRemovesOneNeuronOfEachDuplicatedPair() {
        // the seed's estimator and threshold mode: 4 duplicated pairs among 12 neurons, 256 tokens
        int n = 256;
        Layer layer = duplicatedPairs(n, 11, -2);
        LayerActivations a = layer.acts();
        LayerWeights w = layer.weights();

        MiPairwiseSelector selector = new MiPairwiseSelector(manager, new dev.secateur.prune.mi.RenyiMutualInformation(1.0), n, 0);
        RemovalOrder order = selector.order(a, w, Structure.FFN_NEURONS);
        // T = 3 bits: near-identical pairs score about log2 of the effective sample size (~4 bits here), while the
        // estimator's bias leaves independent pairs at 1–2 bits with 256 tokens
        Target threshold = new Target(Structure.FFN_NEURONS, 0, 3.0, Allocation.UNIFORM, 0.05);
        int k = UnitAllocator.count(order, threshold, 1, 0);
        assertEquals(4, k, "one of each duplicated pair: " + Arrays.toString(order.information()));
        Set<Integer> pairs = new HashSet<>();
        for (int i = 0; i < k; i++) {
            int unit = order.order()[i];
            assertTrue(unit < 8, "an independent neuron was removed: " + unit);
            assertTrue(pairs.add(unit % 4), "both members of pair " + unit % 4 + " were removed");
        }
        assertTrue(selector.notes().containsKey("kernelSweep.ffn.layer0"), selector.notes().toString());
    }
}
