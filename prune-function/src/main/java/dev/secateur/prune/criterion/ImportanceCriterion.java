package dev.secateur.prune.criterion;

import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;

/** A per-unit importance score (higher = keep): a unit of FFN_NEURONS is a neuron, of ATTENTION_HEADS a KV group. */
public interface ImportanceCriterion {
    String name();

    double[] scores(LayerActivations acts, LayerWeights weights, Structure structure);

    default boolean needsActivations() {
        return true;
    }

    /** What the criterion chose or measured while scoring, for plan.json's settings; empty for most. */
    default java.util.Map<String, String> notes() {
        return java.util.Map.of();
    }
}
