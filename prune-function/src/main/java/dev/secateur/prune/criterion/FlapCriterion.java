package dev.secateur.prune.criterion;

import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;

/**
 * FLAP's fluctuation metric: Var(z_c) · ||W_out[:, c]||₂² summed over the unit's columns. FLAP proper also
 * z-scores it per layer, ranks globally and compensates by bias: allocation GLOBAL + compensation "bias".
 */
public final class FlapCriterion implements ImportanceCriterion {
    @Override
    public String name() {
        return "flap";
    }

    @Override
    public double[] scores(LayerActivations acts, LayerWeights w, Structure s) {
        UnitView v = UnitView.of(acts, w, s);
        return v.perUnit(v.outputColumnEnergy(), ColumnStats.of(v.requireActivations(name())).variance());
    }
}
