package dev.secateur.prune.criterion;

import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;
import java.util.Map;

/**
 * LLM-Pruner's Taylor importance of FFN neurons and KV groups, in the variant asked for ({@link TaylorVariant}), read from
 * the gradients of one backward pass over the calibration windows ({@link TaylorEstimates}).
 */
public final class TaylorCriterion extends GradientCriterion {
    private final TaylorVariant variant;

    public TaylorCriterion(TaylorVariant variant, TaylorEstimates estimates) {
        super(estimates, variant);
        this.variant = variant;
    }

    @Override
    public String name() {
        return "taylor";
    }

    @Override
    public double[] scores(LayerActivations acts, LayerWeights w, Structure s) {
        return estimates.units(acts.layer(), s).of(variant).clone();
    }

    @Override
    public Map<String, String> notes() {
        return Map.of("taylor", variant.json() + ": " + switch (variant) {
            case VECTOR -> "sum over the unit's weight matrices of |sum of g*W over the matrix's part of the unit|";
            case ELEMENT -> "sum of |g*W| over the unit's weights";
            case SECOND_ORDER -> "sum of |g*W - 0.5*F*W^2| over the unit's weights, F = mean over windows of (per-window gradient)^2";
        } + "; g = dL/dW, L the mean next-token NLL over the calibration windows");
    }
}
