package dev.secateur.prune.criterion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
    void deadNeuronsScoreZeroAndAWindowCountedTwiceLeavesEveryEstimateAsItWas() {
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
            TaylorEstimates once = TaylorEstimates.compute(model, ONE, 1, hd, true);
            // L is the mean over windows: the same window twice is the same loss, if each batch's gradients start from zero
            TaylorEstimates twice = TaylorEstimates.compute(model, TWICE, 1, hd, true);
            LayerActivations meta = LayerActivations.none(1, 4, 2, hd);
            for (TaylorVariant v : TaylorVariant.values()) {
                double[] a = new TaylorCriterion(v, once).scores(meta, dead.layers().get(1), Structure.FFN_NEURONS);
                double[] b = new TaylorCriterion(v, twice).scores(meta, dead.layers().get(1), Structure.FFN_NEURONS);
                // down column 5 is zero, but its gate and up rows still carry a (zero-gradient) product
                assertEquals(0, a[5], 1e-12, v + ": a neuron whose output column is zero has zero Taylor importance");
                assertTrue(a[0] > 0, v.json());
                for (int j = 0; j < a.length; j++) {
                    assertEquals(a[j], b[j], 1e-5 * Math.max(1e-9, Math.abs(a[j])), v + " neuron " + j);
                }
                assertEquals(2, new TaylorCriterion(v, once).scores(meta, dead.layers().get(1), Structure.ATTENTION_HEADS).length);
            }
            assertTrue(once.units(1, Structure.FFN_NEURONS).hasHalves() == false && twice.units(1, Structure.FFN_NEURONS).hasHalves(),
                    "one window gives no split halves, two windows one each");
            assertArrayEquals(twice.units(1, Structure.FFN_NEURONS).halfA().get(TaylorVariant.ELEMENT),
                    twice.units(1, Structure.FFN_NEURONS).halfB().get(TaylorVariant.ELEMENT), 1e-9, "identical halves, identical estimates");
        }
    }

    @Test
    void theVariantsAreOrderedAsTheirDefinitionsSayAndSecondOrderNeedsTheFisherPass() {
        DecoderWeights w = DecoderWeights.load(Fixtures.dir("llama-gqa"));
        long[][] windows = {{1, 5, 9, 33, 2, 70, 12, 4}, {3, 8, 60, 2, 19, 44, 7, 90}, {11, 12, 13, 14, 15, 16, 17, 18}};
        try (DecoderModel model = new DecoderModel(w, Device.cpu())) {
            TaylorEstimates first = TaylorEstimates.compute(model, windows, 2, w.headDim(), false);
            TaylorEstimates fisher = TaylorEstimates.compute(model, windows, 2, w.headDim(), true);
            assertThrows(IllegalArgumentException.class, () -> new TaylorCriterion(TaylorVariant.SECOND_ORDER, first));
            for (Structure s : new Structure[] {Structure.FFN_NEURONS, Structure.ATTENTION_HEADS}) {
                for (int l = 0; l < 2; l++) {
                    double[] vector = first.units(l, s).of(TaylorVariant.VECTOR), element = first.units(l, s).of(TaylorVariant.ELEMENT);
                    double[] fe = fisher.units(l, s).of(TaylorVariant.ELEMENT), second = fisher.units(l, s).of(TaylorVariant.SECOND_ORDER);
                    boolean strictly = false;
                    for (int j = 0; j < vector.length; j++) {
                        // |Σ x| ≤ Σ |x| per matrix, hence per unit
                        assertTrue(vector[j] <= element[j] * (1 + 1e-6), s + " layer " + l + " unit " + j);
                        strictly |= vector[j] < 0.99 * element[j];
                        // the same L by one window at a time: the first-order estimates do not depend on the batching
                        assertEquals(element[j], fe[j], 1e-4 * element[j] + 1e-12, s + " layer " + l + " unit " + j);
                        // |p - c| ≥ |p| - c with c ≥ 0, so second-order is never below element minus the curvature, and differs from it
                        assertTrue(Double.isFinite(second[j]) && second[j] >= 0);
                    }
                    assertTrue(strictly, "signs cancel within some matrix, so vector-wise is below element-wise somewhere");
                    assertTrue(!java.util.Arrays.equals(fe, second), "the Fisher term changes the second-order estimate");
                }
            }
        }
    }
}
