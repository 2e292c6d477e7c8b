package dev.secateur.prune.encoder;

import dev.secateur.model.EncoderLayerWeights;
import dev.secateur.model.EncoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.apply.StructuredSlicer;
import dev.secateur.prune.calibration.LayerActivations;
import dev.secateur.prune.compensate.Compensator;
import dev.secateur.prune.criterion.RemovalOrder;
import dev.secateur.prune.criterion.Selector;
import dev.secateur.prune.criterion.Structure;
import dev.secateur.prune.plan.LayerPlan;
import dev.secateur.prune.plan.Target;
import dev.secateur.prune.plan.UnitAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * The decoder pruning engine applied to a BERT-family encoder: each block is viewed as {@link LayerWeights}
 * ({@link EncoderLayerWeights#asLayerWeights}), so the criteria ({@link Selector}), compensation and
 * {@link StructuredSlicer} run unchanged; heads are units of one (no grouped KV in BERT).
 *
 * <p>Removal orders depend only on the dense model and its calibration, not on the ratio, so
 * {@link #orders} is computed once per criterion and structure and {@link #apply} cuts any prefix of it.
 */
public final class EncoderPruner {
    private EncoderPruner() {
    }

    /** One removal order per layer. */
    public static List<RemovalOrder> orders(EncoderWeights w, List<LayerActivations> acts, Selector selector, Structure s) {
        List<RemovalOrder> out = new ArrayList<>();
        for (int l = 0; l < w.layers().size(); l++) {
            out.add(selector.order(acts.get(l), w.layers().get(l).asLayerWeights(), s));
        }
        return out;
    }

    /**
     * @param ffnOrders null to keep every FFN neuron; headOrders likewise for heads
     */
    public static EncoderWeights apply(EncoderWeights w, List<LayerActivations> acts, List<RemovalOrder> ffnOrders, Target ffn,
            List<RemovalOrder> headOrders, Target heads, Compensator compensator) {
        int hd = w.headDim();
        List<int[]> ffnRemoved = ffnOrders == null ? null : UnitAllocator.removed(ffnOrders, ffn, 1);
        List<int[]> headRemoved = headOrders == null ? null : UnitAllocator.removed(headOrders, heads, 1);
        List<EncoderLayerWeights> out = new ArrayList<>();
        for (int l = 0; l < w.layers().size(); l++) {
            EncoderLayerWeights el = w.layers().get(l);
            LayerWeights lw = el.asLayerWeights();
            int nh = lw.numHeads(hd);
            LayerPlan p = LayerPlan.dense(l, lw.ffnWidth(), nh, nh);
            if (ffnRemoved != null) {
                p = p.withFfn(UnitAllocator.kept(lw.ffnWidth(), ffnRemoved.get(l)));
            }
            if (headRemoved != null) {
                p = p.withKvGroups(UnitAllocator.kept(nh, headRemoved.get(l)), 1);
            }
            lw = compensator.compensate(lw, acts.get(l), p);
            lw = StructuredSlicer.sliceFfn(lw, p.keptFfn());
            lw = StructuredSlicer.sliceHeads(lw, p.keptHeads(), p.keptKvGroups(), hd);
            out.add(el.withProjections(lw));
        }
        return w.withLayers(out);
    }
}
