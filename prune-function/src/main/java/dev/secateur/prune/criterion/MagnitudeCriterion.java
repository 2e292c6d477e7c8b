package dev.secateur.prune.criterion;

import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;

/** ||W_out[:, unit]||₂ (Frobenius over a KV group's o_proj columns). */
public final class MagnitudeCriterion implements ImportanceCriterion {
    @Override
    public String name() {
        return "magnitude";
    }

    @Override
    public double[] scores(LayerActivations acts, LayerWeights w, Structure s) {
        UnitView v = UnitView.of(acts, w, s);
        double[] e = v.perUnit(v.outputColumnEnergy());
        for (int i = 0; i < e.length; i++) {
            e[i] = Math.sqrt(e[i]);
        }
        return e;
    }

    @Override
    public boolean needsActivations() {
        return false;
    }
}
