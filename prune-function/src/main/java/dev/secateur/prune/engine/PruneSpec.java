package dev.secateur.prune.engine;

import dev.secateur.model.TargetShape;
import dev.secateur.prune.criterion.Criteria;
import dev.secateur.prune.model.CaptureSite;
import dev.secateur.prune.plan.MaskSettings;
import dev.secateur.prune.plan.Target;
import dev.secateur.prune.sparsity.SparsityTarget;
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
 * @param sparsity zeros in every block's linear weights (criterion wanda, sparsegpt or sparsellm), or null for structured pruning
 * @param mask forward-only mask optimisation's settings (criterion mask-opt), or null
 * @param shape the target shape this spec came from, or null; its ffn and KV groups are the {@code keep} counts of
 *     {@code ffn} and {@code heads}, its layers and hidden size are read from here
 */
public record PruneSpec(String criterion, Target ffn, Target heads, Double layerRatio, Double layerThreshold,
        String compensation, Criteria.Settings settings, SparsityTarget sparsity, MaskSettings mask, TargetShape shape) {

    public PruneSpec {
        // mask-opt over layers alone has no FFN or head target: its search chooses the layers to drop
        boolean structured = ffn != null || heads != null || layerRatio != null || layerThreshold != null || shape != null || mask != null;
        if (!structured && sparsity == null) {
            throw new IllegalArgumentException("nothing to prune: give an FFN, head or layer target, or a sparsity");
        }
        // a sparsity method scores single weights; it has no ranking of neurons, heads or layers to cut by
        if (structured && sparsity != null) {
            throw new IllegalArgumentException("sparsity zeroes single weights and cannot be combined with FFN, head or layer targets");
        }
        if (compensation == null) {
            compensation = "none";
        }
    }

    /** Without mask optimisation or a target shape. */
    public PruneSpec(String criterion, Target ffn, Target heads, Double layerRatio, Double layerThreshold,
            String compensation, Criteria.Settings settings, SparsityTarget sparsity) {
        this(criterion, ffn, heads, layerRatio, layerThreshold, compensation, settings, sparsity, null, null);
    }

    /** Layers a target shape keeps, or null. */
    public Integer keptLayers() {
        return shape == null ? null : shape.layers();
    }

    /** Residual channels a target shape keeps, or null. */
    public Integer keptHidden() {
        return shape == null ? null : shape.hidden();
    }

    /** A structured spec: whole neurons, heads or layers. */
    public PruneSpec(String criterion, Target ffn, Target heads, Double layerRatio, Double layerThreshold,
            String compensation, Criteria.Settings settings) {
        this(criterion, ffn, heads, layerRatio, layerThreshold, compensation, settings, null, null, null);
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
        if (layerRatio != null || layerThreshold != null || keptLayers() != null) {
            s.add(CaptureSite.BLOCK_INPUT);
            s.add(CaptureSite.BLOCK_OUTPUT);
        }
        if (sparsity != null) {
            // the inputs of q/k/v, o, gate/up and down
            s.addAll(EnumSet.of(CaptureSite.ATTENTION_INPUT, CaptureSite.ATTENTION_HEADS, CaptureSite.FFN_INPUT, CaptureSite.FFN_INTERMEDIATE));
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
        if (sparsity != null) {
            m.put("sparsity", Double.toString(sparsity.sparsity()));
            m.put("pattern", sparsity.pattern().toString());
        }
        if (mask != null) {
            m.put("maskOpt", mask.toString());
        }
        if (shape != null) {
            m.put("targetShape", shape.toString());
        }
        m.put("settings", settings.toString());
        return m;
    }
}
