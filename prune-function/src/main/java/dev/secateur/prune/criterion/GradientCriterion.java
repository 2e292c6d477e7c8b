package dev.secateur.prune.criterion;

/**
 * A criterion read from the gradients of one backward pass ({@link TaylorEstimates}) rather than from the layer's
 * activations, so the streaming pass captures none for it.
 */
abstract class GradientCriterion implements ImportanceCriterion {
    final TaylorEstimates estimates;

    /** @param variant the estimate read; refused when it needs per-window gradients the estimates were computed without */
    GradientCriterion(TaylorEstimates estimates, TaylorVariant variant) {
        if (variant.needsFisher() && !estimates.hasFisher()) {
            throw new IllegalArgumentException("taylor: " + variant.json() + " needs per-window gradients; compute the estimates with Fisher");
        }
        this.estimates = estimates;
    }

    @Override
    public final boolean needsActivations() {
        return false;
    }
}
