package dev.secateur.prune.criterion;

import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;
import java.util.SplittableRandom;

/** Seeded random scores, a different stream per layer and structure. */
public record RandomCriterion(long seed) implements ImportanceCriterion {
    @Override
    public String name() {
        return "random";
    }

    @Override
    public double[] scores(LayerActivations acts, LayerWeights w, Structure s) {
        UnitView v = UnitView.of(acts, w, s);
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + acts.layer() * 31L + s.ordinal());
        double[] out = new double[v.units()];
        for (int i = 0; i < out.length; i++) {
            out[i] = r.nextDouble();
        }
        return out;
    }

    @Override
    public boolean needsActivations() {
        return false;
    }
}
