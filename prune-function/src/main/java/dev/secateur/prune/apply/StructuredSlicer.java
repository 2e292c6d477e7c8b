package dev.secateur.prune.apply;

import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.plan.LayerPlan;
import dev.secateur.prune.plan.PruningPlan;
import java.util.ArrayList;
import java.util.List;

/**
 * Physically removes what a plan drops: gate/up rows and down columns of removed FFN neurons; q rows, o columns
 * of removed heads and k/v rows of removed KV groups (and their entries of OLMo 2's all-head q/k norms); dropped layers. Biases of sliced rows go with them; output
 * biases (down, o) stay. The model gets smaller; nothing is masked.
 */
public final class StructuredSlicer {
    private StructuredSlicer() {
    }

    public static DecoderWeights apply(DecoderWeights w, PruningPlan plan) {
        if (plan.numLayers() != w.layers().size()) {
            throw new IllegalArgumentException("plan is for " + plan.numLayers() + " layers, model has " + w.layers().size());
        }
        int hd = w.headDim();
        List<LayerWeights> out = new ArrayList<>();
        for (int l = 0; l < w.layers().size(); l++) {
            if (plan.dropped(l)) {
                continue;
            }
            LayerWeights lw = w.layers().get(l);
            LayerPlan p = plan.layers().get(l);
            lw = sliceFfn(lw, p.keptFfn());
            lw = sliceHeads(lw, p.keptHeads(), p.keptKvGroups(), hd);
            out.add(lw);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("plan drops every layer");
        }
        return w.withLayers(out);
    }

    public static LayerWeights sliceFfn(LayerWeights l, int[] kept) {
        if (kept.length == l.ffnWidth()) {
            return l;
        }
        if (kept.length == 0) {
            throw new IllegalArgumentException("plan keeps no FFN neuron");
        }
        return l.withMlp(rows(l.gate(), kept), rows(l.gateBias(), kept), rows(l.up(), kept), rows(l.upBias(), kept),
                l.down().selectColumns(kept), l.downBias());
    }

    public static LayerWeights sliceHeads(LayerWeights l, int[] keptHeads, int[] keptKvGroups, int headDim) {
        if (keptHeads.length == l.numHeads(headDim) && keptKvGroups.length == l.numKvHeads(headDim)) {
            return l;
        }
        if (keptHeads.length == 0 || keptKvGroups.length == 0) {
            throw new IllegalArgumentException("plan keeps no attention head");
        }
        int[] q = expand(keptHeads, headDim), kv = expand(keptKvGroups, headDim);
        LayerWeights sliced = l.withAttention(rows(l.q(), q), rows(l.qBias(), q), rows(l.k(), kv), rows(l.kBias(), kv),
                rows(l.v(), kv), rows(l.vBias(), kv), l.o().selectColumns(q), l.oBias());
        // OLMo 2's query/key norms weigh each row; the kept heads keep their weights (and are normalised together)
        return l.qkNormSpansHeads() ? sliced.withQkNorm(rows(l.qNorm(), q), rows(l.kNorm(), kv)) : sliced;
    }

    static int[] expand(int[] units, int size) {
        int[] out = new int[units.length * size];
        for (int i = 0; i < units.length; i++) {
            for (int j = 0; j < size; j++) {
                out[i * size + j] = units[i] * size + j;
            }
        }
        return out;
    }

    private static Tensor rows(Tensor t, int[] rows) {
        return t == null ? null : t.selectRows(rows);
    }
}
