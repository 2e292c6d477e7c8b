package dev.secateur.prune.criterion;

import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;

/** Structured Wanda: Σ_i |W_out[i, c]| · ||z_c||₂ summed over the unit's columns c. */
public final class WandaSpCriterion implements ImportanceCriterion {
    @Override
    public String name() {
        return "wanda-sp";
    }

    @Override
    public double[] scores(LayerActivations acts, LayerWeights w, Structure s) {
        UnitView v = UnitView.of(acts, w, s);
        return v.perUnit(v.outputColumnL1(), ColumnStats.of(v.requireActivations(name())).l2());
    }
}
