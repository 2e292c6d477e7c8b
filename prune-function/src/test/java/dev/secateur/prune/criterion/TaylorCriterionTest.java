package dev.secateur.prune.criterion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.testsupport.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaylorCriterionTest {
    static final long[][] ONE = {{1, 5, 9, 33, 2, 70, 12, 4}};
    static final long[][] TWICE = {ONE[0], ONE[0]};

    @Test
    void deadNeuronsScoreZeroAndBatchesAccumulateOnce() {
        DecoderWeights w = DecoderWeights.load(Fixtures.dir("llama-gqa"));
        List<LayerWeights> ls = new ArrayList<>();
        for (LayerWeights l : w.layers()) {
            Tensor down = l.down().copy();
            for (int r = 0; r < down.dim(0); r++) {
                down.data()[r * down.dim(1) + 5] = 0; // neuron 5 contributes nothing
            }
            ls.add(l.withMlp(l.gate(), l.gateBias(), l.up(), l.upBias(), down, l.downBias()));
        }
        DecoderWeights dead = w.withLayers(ls);
        int hd = w.headDim();
        try (DecoderModel model = new DecoderModel(dead, Device.cpu())) {
            TaylorCriterion once = TaylorCriterion.compute(model, ONE, 1, hd);
            TaylorCriterion twice = TaylorCriterion.compute(model, TWICE, 1, hd);
            LayerActivations meta = LayerActivations.none(1, 4, 2, hd);
            double[] a = once.scores(meta, dead.layers().get(1), Structure.FFN_NEURONS);
            double[] b = twice.scores(meta, dead.layers().get(1), Structure.FFN_NEURONS);
            assertEquals(0, a[5], 0.0, "a neuron whose down column is zero has zero Taylor importance");
            assertTrue(a[0] > 0);
            for (int j = 0; j < a.length; j++) {
                assertEquals(2 * a[j], b[j], 1e-5 * Math.max(1e-6, Math.abs(b[j])), "gradients are zeroed between batches");
            }
            assertEquals(2, once.scores(meta, dead.layers().get(1), Structure.ATTENTION_HEADS).length);
        }
    }
}
