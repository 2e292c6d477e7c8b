package dev.secateur.prune.engine;

import ai.djl.ndarray.NDManager;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.apply.StructuredSlicer;
import dev.secateur.prune.calibration.ActivationSource;
import dev.secateur.prune.calibration.LayerActivations;
import dev.secateur.prune.compensate.Compensator;
import dev.secateur.prune.compensate.Compensators;
import dev.secateur.prune.criterion.Criteria;
import dev.secateur.prune.criterion.RemovalOrder;
import dev.secateur.prune.criterion.Selector;
import dev.secateur.prune.criterion.Structure;
import dev.secateur.prune.plan.LayerDrop;
import dev.secateur.prune.plan.LayerScores;
import dev.secateur.prune.plan.LayerPlan;
import dev.secateur.prune.plan.PruningPlan;
import dev.secateur.prune.plan.Target;
import dev.secateur.prune.plan.UnitAllocator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole-model path the streaming engine replaced: the dense model resident, activations of every layer from one
 * dense forward, then score → allocate → plan → compensate → slice. Kept only as the reference that
 * {@link StreamingEquivalenceTest} holds the streaming engine's dense-input mode to.
 */
public final class PruneEngine {
    private final NDManager manager;

    public PruneEngine(NDManager manager) {
        this.manager = manager;
    }

    public Selector selector(PruneSpec spec) {
        return Criteria.byName(spec.criterion(), manager, spec.settings());
    }

    public PruneOutcome prune(DecoderWeights dense, ActivationSource acts, PruneSpec spec, ProgressListener listener) {
        return prune(dense, acts, spec, selector(spec), listener);
    }

    /** With a ready-made selector (e.g. taylor, which needs the model's gradients). */
    public PruneOutcome prune(DecoderWeights dense, ActivationSource acts, PruneSpec spec, Selector selector, ProgressListener listener) {
        Compensator compensator = Compensators.byName(spec.compensation(), manager, spec.settings().ridge(),
                dev.secateur.prune.compensate.BiasSites.of(dense.config().architecture()));
        boolean needActs = selector.needsActivations() || compensator != Compensator.NONE;
        int layers = dense.layers().size();
        int hd = dense.headDim();
        Map<String, Double> seconds = new LinkedHashMap<>();

        List<RemovalOrder> ffnOrders = new ArrayList<>();
        List<RemovalOrder> headOrders = new ArrayList<>();
        List<LayerScores.LayerInputs> inOut = new ArrayList<>();
        long t0 = System.nanoTime();
        double c0 = acts.captureSeconds();
        for (int l = 0; l < layers; l++) {
            LayerWeights w = dense.layers().get(l);
            LayerActivations a = needActs || spec.layerRatio() != null || spec.layerThreshold() != null ? acts.layer(l)
                    : LayerActivations.none(l, w.numHeads(hd), w.numKvHeads(hd), hd);
            if (spec.ffn() != null) {
                ffnOrders.add(selector.order(a, w, Structure.FFN_NEURONS));
            }
            if (spec.heads() != null) {
                headOrders.add(selector.order(a, w, Structure.ATTENTION_HEADS));
            }
            if (spec.layerRatio() != null || spec.layerThreshold() != null) {
                inOut.add(new LayerScores.LayerInputs(a.blockInput(), a.blockOutput(), LayerScores.outputWeightEnergy(w)));
            }
            listener.progress("score", (l + 1.0) / layers, selector.name() + " scored layer " + l);
        }
        seconds.put("calibrate", acts.captureSeconds() - c0);
        seconds.put("score", (System.nanoTime() - t0) / 1e9 - (acts.captureSeconds() - c0));

        t0 = System.nanoTime();
        List<LayerPlan> plans = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            LayerWeights w = dense.layers().get(l);
            plans.add(LayerPlan.dense(l, w.ffnWidth(), w.numHeads(hd), w.numKvHeads(hd)));
        }
        if (spec.ffn() != null) {
            List<int[]> removed = UnitAllocator.removed(ffnOrders, spec.ffn(), 1);
            for (int l = 0; l < layers; l++) {
                plans.set(l, plans.get(l).withFfn(UnitAllocator.kept(dense.layers().get(l).ffnWidth(), removed.get(l))));
            }
        }
        if (spec.heads() != null) {
            int groupSize = requireUniformGroupSize(dense);
            List<int[]> removed = UnitAllocator.removed(headOrders, spec.heads(), groupSize);
            for (int l = 0; l < layers; l++) {
                int kv = dense.layers().get(l).numKvHeads(hd);
                plans.set(l, plans.get(l).withKvGroups(UnitAllocator.kept(kv, removed.get(l)), groupSize));
            }
        }
        int[] dropped = new int[0];
        if (spec.layerRatio() != null || spec.layerThreshold() != null) {
            List<LayerScores.Score> s = LayerScores.compute(spec.criterion(), manager, inOut, spec.settings().kernelScale(),
                    spec.settings().miTokens(), spec.settings().seed(), spec.settings().ridge());
            dropped = LayerDrop.choose(s, spec.layerRatio() == null ? 0 : spec.layerRatio(), spec.layerThreshold());
        }
        PruningPlan plan = new PruningPlan(layers, plans, dropped, spec.describe());
        seconds.put("plan", (System.nanoTime() - t0) / 1e9);
        listener.progress("plan", 1, "plan ready: " + dropped.length + " layers dropped");

        t0 = System.nanoTime();
        c0 = acts.captureSeconds();
        List<LayerWeights> compensated = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            LayerWeights w = dense.layers().get(l);
            if (compensator == Compensator.NONE || plan.dropped(l)) {
                compensated.add(w);
            } else {
                compensated.add(compensator.compensate(w, acts.layer(l), plan.layers().get(l)));
            }
            listener.progress("compensate", (l + 1.0) / layers, compensator.name() + " layer " + l);
        }
        seconds.merge("calibrate", acts.captureSeconds() - c0, Double::sum);
        seconds.put("compensate", (System.nanoTime() - t0) / 1e9 - (acts.captureSeconds() - c0));

        t0 = System.nanoTime();
        DecoderWeights pruned = StructuredSlicer.apply(dense.withLayers(compensated), plan);
        seconds.put("apply", (System.nanoTime() - t0) / 1e9);
        listener.progress("apply", 1, "pruned " + dense.parameterCount() + " → " + pruned.parameterCount() + " parameters");
        return new PruneOutcome(plan, pruned, seconds, acts == null ? 0 : acts.peakBytes(), dense.parameterCount(), pruned.parameterCount());
    }

    private static int requireUniformGroupSize(DecoderWeights w) {
        int hd = w.headDim();
        int g = -1;
        for (LayerWeights l : w.layers()) {
            int gs = l.numHeads(hd) / l.numKvHeads(hd);
            if (g >= 0 && gs != g) {
                throw new IllegalArgumentException("layers have different query heads per KV group; head pruning needs one group size");
            }
            g = gs;
        }
        return g;
    }
}
