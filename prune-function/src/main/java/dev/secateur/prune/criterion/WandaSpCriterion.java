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
        double[] l1 = v.outputColumnL1();
        double[] norm = ColumnStats.of(v.requireActivations(name())).l2();
        double[] col = new double[l1.length];
        for (int c = 0; c < col.length; c++) {
            col[c] = l1[c] * norm[c];
        }
        return v.perUnit(col);
    }
}
