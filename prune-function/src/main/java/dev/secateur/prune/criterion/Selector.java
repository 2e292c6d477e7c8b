package dev.secateur.prune.criterion;

import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;

/**
 * One pruning criterion for one layer: the order in which units go. Redundancy-aware criteria (MI) are
 * sequential (a unit's redundancy depends on what was already removed), so this, not a score vector, is
 * the contract every criterion meets; plain importance scores adapt through {@link ScoreSelector}.
 */
public interface Selector {
    String name();

    RemovalOrder order(LayerActivations acts, LayerWeights weights, Structure structure);

    /** Which activations this criterion reads, so calibration captures nothing else. */
    default boolean needsActivations() {
        return true;
    }

    /** What the criterion chose while scoring (e.g. a kernel width per layer), for plan.json; empty for most. */
    default java.util.Map<String, String> notes() {
        return java.util.Map.of();
    }
}
