package dev.secateur.prune.compensate;

import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;
import dev.secateur.prune.plan.LayerPlan;

/**
 * A compensator that touches only the output projections, down_proj for FFN neurons and o_proj for heads, each
 * refit from the projection's input activations and the columns of the units kept; a site the plan left whole is
 * left as it is. A bias is fitted only at a site {@link BiasSites} allows.
 */
abstract class OutputProjectionCompensator implements Compensator {
    private final BiasSites sites;

    OutputProjectionCompensator(BiasSites sites) {
        this.sites = sites;
    }

    /**
     * @param z the projection's calibration inputs [n, d], null when none were captured
     * @param fitBias whether the projection may gain or change a bias
     * @return {weight [h, d], bias [h]} to replace the projection's
     */
    abstract Tensor[] refit(Tensor weight, Tensor bias, Tensor z, int[] keptColumns, boolean fitBias);

    @Override
    public final LayerWeights compensate(LayerWeights w, LayerActivations acts, LayerPlan plan) {
        LayerWeights out = w;
        if (plan.keptFfn().length < w.ffnWidth()) {
            Tensor[] r = refit(w.down(), w.downBias(), acts.ffnIntermediate(), plan.keptFfn(), sites.mlp());
            out = out.withMlp(w.gate(), w.gateBias(), w.up(), w.upBias(), r[0], r[1]);
        }
        if (plan.keptHeads().length < acts.numHeads()) {
            Tensor[] r = refit(w.o(), w.oBias(), acts.heads(), Compensators.headColumns(plan.keptHeads(), acts.headDim()),
                    sites.attention());
            out = out.withAttention(w.q(), w.qBias(), w.k(), w.kBias(), w.v(), w.vBias(), r[0], r[1]);
        }
        return out;
    }
}
