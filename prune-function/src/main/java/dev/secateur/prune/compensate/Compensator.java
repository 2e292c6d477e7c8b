package dev.secateur.prune.compensate;

import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;
import dev.secateur.prune.plan.LayerPlan;

/**
 * Makes up for removed units without retraining, by changing the kept output columns and/or the output bias of
 * down_proj (FFN) and o_proj (heads). Returns weights of the dense shape; removed columns are left for
 * {@code apply} to slice away (their values no longer matter).
 */
public interface Compensator {
    String name();

    LayerWeights compensate(LayerWeights w, LayerActivations acts, LayerPlan plan);

    Compensator NONE = new Compensator() {
        @Override
        public String name() {
            return "none";
        }

        @Override
        public LayerWeights compensate(LayerWeights w, LayerActivations acts, LayerPlan plan) {
            return w;
        }
    };
}
