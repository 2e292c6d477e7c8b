package dev.secateur.prune.criterion;

import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Adaptive estimation fusion after Liu et al. (arXiv 2403.10799): per layer, the coarse-grained importance of each unit (vector-wise
 * Taylor: the loss change of removing each of its weight matrices' parts whole) and a fine-grained one (element-wise Taylor, or
 * its second-order form: the loss changes of removing single weights), fused with a weight adapted to the layer's own
 * statistics ({@link AdaptiveFusion}). Both come from the same gradients ({@link TaylorEstimates}); what each layer got is
 * recorded in plan.json's settings as {@code fusion.ffn.layerL} and {@code fusion.heads.layerL}.
 */
public final class FusionCriterion extends GradientCriterion {
    public static final TaylorVariant COARSE = TaylorVariant.VECTOR;

    private final TaylorVariant fine;
    private final Map<String, String> notes = new LinkedHashMap<>();

    /** @param fine the fine-grained estimate: {@link TaylorVariant#ELEMENT} or {@link TaylorVariant#SECOND_ORDER} */
    public FusionCriterion(TaylorEstimates estimates, TaylorVariant fine) {
        super(estimates, fine);
        if (fine == COARSE) {
            throw new IllegalArgumentException("taylor: fusion's coarse estimate is already vector-wise; its fine one must be element or second-order");
        }
        this.fine = fine;
        notes.put("fusion", "coarse " + COARSE.json() + " Taylor, fine " + fine.json() + " Taylor, each divided by its layer mean; "
                + "fused = w*coarse + (1-w)*fine, w = noise(fine)/(noise(coarse)+noise(fine)), noise = split-half disagreement / variance over the layer");
    }

    @Override
    public String name() {
        return "fusion";
    }

    @Override
    public double[] scores(LayerActivations acts, LayerWeights w, Structure s) {
        AdaptiveFusion f = fusion(acts.layer(), s);
        notes.put("fusion." + (s == Structure.FFN_NEURONS ? "ffn" : "heads") + ".layer" + acts.layer(), String.format(Locale.ROOT,
                "w=%.4f coarse.mean=%.4g coarse.noise=%.4g fine.mean=%.4g fine.noise=%.4g spearman=%.4f",
                f.weight(), f.coarseMean(), f.coarseNoise(), f.fineMean(), f.fineNoise(), f.agreement()));
        return f.fused();
    }

    /** The layer's fusion of its coarse and fine estimates of structure {@code s}. */
    public AdaptiveFusion fusion(int layer, Structure s) {
        TaylorEstimates.Units u = estimates.units(layer, s);
        double[][] ch = u.hasHalves() ? new double[][] {u.halfA().get(COARSE), u.halfB().get(COARSE)} : null;
        double[][] fh = u.hasHalves() ? new double[][] {u.halfA().get(fine), u.halfB().get(fine)} : null;
        return AdaptiveFusion.of(u.of(COARSE), u.of(fine), ch, fh);
    }

    @Override
    public Map<String, String> notes() {
        return new LinkedHashMap<>(notes);
    }
}
