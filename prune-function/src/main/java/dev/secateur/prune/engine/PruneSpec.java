package dev.secateur.prune.engine;

import dev.secateur.prune.criterion.Criteria;
import dev.secateur.prune.model.CaptureSite;
import dev.secateur.prune.plan.Target;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What to prune and how, independent of where the model and text come from.
 *
 * @param ffn FFN neuron target, or null
 * @param heads attention head target (whole KV groups), or null
 * @param layerRatio fraction of whole layers to drop by block input/output MI, or null
 * @param layerThreshold drop layers whose input/output MI exceeds this (bits) instead, or null
 */
public record PruneSpec(String criterion, Target ffn, Target heads, Double layerRatio, Double layerThreshold,
        String compensation, Criteria.Settings settings) {

    public PruneSpec {
        if (ffn == null && heads == null && layerRatio == null && layerThreshold == null) {
            throw new IllegalArgumentException("nothing to prune: give an FFN, head or layer target");
        }
        if (compensation == null) {
            compensation = "none";
        }
    }

    /** The capture sites this run needs (none at all for weight-only criteria without compensation). */
    public Set<CaptureSite> sites(boolean criterionNeedsActivations) {
        Set<CaptureSite> s = EnumSet.noneOf(CaptureSite.class);
        boolean acts = criterionNeedsActivations || !"none".equals(compensation);
        if (ffn != null && acts) {
            s.add(CaptureSite.FFN_INTERMEDIATE);
        }
        if (heads != null && acts) {
            s.add(CaptureSite.ATTENTION_HEADS);
        }
        if (layerRatio != null || layerThreshold != null) {
            s.add(CaptureSite.BLOCK_INPUT);
            s.add(CaptureSite.BLOCK_OUTPUT);
        }
        return s;
    }

    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("criterion", criterion);
        m.put("compensation", compensation);
        if (ffn != null) {
            m.put("ffn", ffn.toString());
        }
        if (heads != null) {
            m.put("heads", heads.toString());
        }
        if (layerRatio != null) {
            m.put("layerRatio", layerRatio.toString());
        }
        if (layerThreshold != null) {
            m.put("layerThreshold", layerThreshold.toString());
        }
        m.put("settings", settings.toString());
        return m;
    }
}
