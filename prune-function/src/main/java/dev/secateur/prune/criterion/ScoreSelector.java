package dev.secateur.prune.criterion;

import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;

/** Removes the least important units first. */
public record ScoreSelector(ImportanceCriterion criterion) implements Selector {

    @Override
    public String name() {
        return criterion.name();
    }

    @Override
    public RemovalOrder order(LayerActivations acts, LayerWeights weights, Structure structure) {
        return RemovalOrder.ascending(criterion.scores(acts, weights, structure));
    }

    @Override
    public boolean needsActivations() {
        return criterion.needsActivations();
    }

    @Override
    public java.util.Map<String, String> notes() {
        return criterion.notes();
    }
}
