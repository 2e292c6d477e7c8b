package dev.secateur.prune.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Two plans in a row as one: a later plan's kept indices index the units the earlier plan kept, so the units of the
 * original model that survive both are the earlier plan's kept indices at the later plan's kept positions.
 */
public final class PlanComposition {
    private PlanComposition() {
    }

    /**
     * @param earlier a plan of the original model
     * @param later a plan of the model {@code earlier} produced
     * @param settings the composed plan's settings
     * @return which units of the original model the two steps keep, in the original's indices
     */
    public static PruningPlan then(PruningPlan earlier, PruningPlan later, Map<String, String> settings) {
        if (earlier.droppedLayers().length > 0 || later.droppedLayers().length > 0) {
            // a dropped layer renumbers the layers after it; schedules split FFN and head ratios only
            throw new IllegalArgumentException("plans that drop layers are not composed");
        }
        if (earlier.numLayers() != later.numLayers()) {
            throw new IllegalArgumentException("plans of " + earlier.numLayers() + " and " + later.numLayers() + " layers do not compose");
        }
        List<LayerPlan> layers = new ArrayList<>();
        for (int l = 0; l < earlier.numLayers(); l++) {
            LayerPlan a = earlier.layers().get(l), b = later.layers().get(l);
            layers.add(new LayerPlan(l, pick(a.keptFfn(), b.keptFfn(), "FFN neurons", l), pick(a.keptKvGroups(), b.keptKvGroups(), "KV groups", l),
                    pick(a.keptHeads(), b.keptHeads(), "heads", l)));
        }
        return new PruningPlan(earlier.numLayers(), layers, new int[0], settings);
    }

    private static int[] pick(int[] kept, int[] positions, String what, int layer) {
        int[] out = new int[positions.length];
        for (int i = 0; i < positions.length; i++) {
            if (positions[i] < 0 || positions[i] >= kept.length) {
                throw new IllegalArgumentException("layer " + layer + ": the later plan keeps " + what + " " + positions[i]
                        + " of the " + kept.length + " the earlier plan kept");
            }
            out[i] = kept[positions[i]];
        }
        return out;
    }
}
