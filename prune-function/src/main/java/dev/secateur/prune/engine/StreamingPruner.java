package dev.secateur.prune.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.events.Allocation;
import dev.secateur.model.LayerSizes;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.apply.HiddenSlicer;
import dev.secateur.prune.apply.StructuredSlicer;
import dev.secateur.prune.calibration.ActivationCollector;
import dev.secateur.prune.calibration.RowBudget;
import dev.secateur.prune.calibration.LayerActivations;
import dev.secateur.prune.compensate.Compensator;
import dev.secateur.prune.compensate.BiasSites;
import dev.secateur.prune.compensate.DroppedLayerCompensation;
import dev.secateur.prune.criterion.RemovalOrder;
import dev.secateur.prune.criterion.ResidualChannelScores;
import dev.secateur.prune.criterion.Selector;
import dev.secateur.prune.criterion.Structure;
import dev.secateur.prune.model.BlockMath;
import dev.secateur.prune.model.CaptureSite;
import dev.secateur.prune.model.DeviceBlock;
import dev.secateur.prune.plan.HiddenPlan;
import dev.secateur.prune.plan.LayerDrop;
import dev.secateur.prune.plan.LayerPlan;
import dev.secateur.prune.plan.LayerScores;
import dev.secateur.prune.plan.MaskBudget;
import dev.secateur.prune.plan.MaskPolicy;
import dev.secateur.prune.plan.MaskSettings;
import dev.secateur.prune.plan.MaskStructure;
import dev.secateur.prune.plan.StructureCosts;
import dev.secateur.prune.plan.StructuredMaskPolicy;
import dev.secateur.prune.plan.UnitMask;
import dev.secateur.prune.plan.PruningPlan;
import dev.secateur.prune.plan.Target;
import dev.secateur.prune.plan.UnitAllocator;
import dev.secateur.prune.sparsity.SparsityCensus;
import dev.secateur.prune.sparsity.WeightSparsifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one pruning engine, after Wanda's and SparseGPT's layer-wise loop, for every kind of model ({@link ModelFamily}:
 * decoders and encoders): embed the calibration inputs once, then for
 * each block read its weights from the checkpoint, run the carried hidden states through it while the criterion's
 * activations are captured, score, plan, compensate, slice, write the pruned block to its shard, and carry the
 * hidden states on (through the pruned block in {@link CalibrationMode#SEQUENTIAL} mode, the dense one in
 * {@link CalibrationMode#DENSE}) before the block is freed. The evaluation windows ride along through both the dense
 * and the pruned block, so before/after figures need no second model (perplexity and agreement for a decoder,
 * embedding fidelity for an encoder). Decisions that need every layer at once
 * (global allocation, layer dropping) come from a statistics pass over the dense model that keeps only removal
 * orders and subsampled block inputs/outputs.
 *
 * <p>Resident at any time: one block (as float32 Java arrays and on the device, dense and pruned), the hidden
 * states of the calibration and evaluation windows, one block's captured activations, and during the first and
 * last step the embedding or the head.
 */
final class StreamingPruner {
    /** What the engine needs besides the spec and the model's inputs: the run's choices that are not about what to remove. */
    record Run(int maxTokens, long seed, CalibrationMode mode, Device device) {
    }

    /** What a run produced, for the pipeline's result and report. */
    record Outcome(PruningPlan plan, long parametersBefore, long parametersAfter, Evaluation eval, long peakActivationBytes,
            Map<String, Double> seconds) {
    }

    private final ModelFamily model;
    private final PruneSpec spec;
    private final Selector selector;
    private final WeightSparsifier sparsifier;
    private final Compensator compensator;
    private final Run run;
    private final ProgressListener listener;
    private final BlockMath f;
    private final int headDim;
    private final Map<String, Double> seconds = new LinkedHashMap<>();
    /** What the run chose beyond the plan itself (layer scores, dropped-layer compensation), for plan.json. */
    private final Map<String, String> notes = new LinkedHashMap<>();
    private long peakActivationBytes;

    /**
     * @param selector ranks units for FFN/head targets; null for a weight-sparsity run
     * @param sparsifier zeroes single weights of every block's linear layers; null for a structured run
     */
    StreamingPruner(ModelFamily model, PruneSpec spec, Selector selector, WeightSparsifier sparsifier, Compensator compensator, Run run,
            ProgressListener listener) {
        this.model = model;
        this.spec = spec;
        this.selector = selector;
        this.sparsifier = sparsifier;
        this.compensator = compensator;
        this.run = run;
        this.listener = listener;
        this.f = model.math();
        this.headDim = model.headDim();
    }

    private boolean needsActivations() {
        return criterionNeedsActivations() || sparsifier != null || compensator != Compensator.NONE;
    }

    /**
     * Whether the pruning pass's criterion reads activations: not when mask-opt's search fixes the whole plan before that
     * pass, but when it fixes only the per-layer counts and mi chooses the units.
     */
    private boolean criterionNeedsActivations() {
        return selector != null && selector.needsActivations() && (spec.mask() == null || spec.mask().selectsByMi());
    }

    private boolean optimisesMasks() {
        return spec.mask() != null;
    }

    /** mask-opt over more than FFN neurons: one policy over neurons, KV groups and layers under a global parameter budget. */
    private boolean optimisesStructures() {
        return optimisesMasks() && !spec.mask().ffnOnly();
    }

    private boolean dropsLayers() {
        return spec.layerRatio() != null || spec.layerThreshold() != null
                || (spec.keptLayers() != null && spec.keptLayers() < model.numLayers());
    }

    /** Whether a target shape narrows the residual stream. */
    private boolean prunesHidden() {
        return spec.keptHidden() != null && spec.keptHidden() < model.hiddenSize();
    }

    private boolean globalAllocation() {
        return isGlobal(spec.ffn()) || isGlobal(spec.heads());
    }

    private static boolean isGlobal(Target t) {
        return t != null && t.allocation().global() && t.threshold() == null;
    }

    /** Prunes the model into {@code dir} (created); the caller makes the folder appear atomically. */
    Outcome prune(Path dir) {
        int layers = model.numLayers();
        int groupSize = spec.heads() == null ? 1 : uniformGroupSize();
        try (NDManager root = NDManager.newBaseManager(run.device(), "PyTorch")) {
            Stats stats = globalAllocation() || dropsLayers() || optimisesMasks() || prunesHidden() ? statsPass(root, groupSize) : null;
            int[] dropped = stats == null ? new int[0] : stats.dropped;
            HiddenPlan hidden = stats == null ? null : stats.hidden;
            List<LayerPlan> plans = new ArrayList<>();
            long before = 0, after = 0;

            boolean absorbDrops = absorbsDroppedLayers(dropped);
            long t0 = System.nanoTime();
            ModelFamily.Embedded embedded = model.embed(root, needsActivations(), model.evaluates());
            HiddenStates calib = embedded.calibration(), evalDense = embedded.evaluation();
            HiddenStates evalPruned = evalDense == null ? null : hidden == null ? evalDense.copy() : evalDense.keepChannels(hidden.kept());
            // the dense model's calibration stream, beside the pruned one, when a block after a dropped layer absorbs it
            HiddenStates teacher = absorbDrops ? calib.copy() : null;
            if (hidden != null && calib != null) {
                // the pruned model's stream is H wide from the embedding on; blocks are calibrated on it (sequential mode)
                HiddenStates wide = calib;
                calib = wide.keepChannels(hidden.kept());
                wide.close();
            }
            List<Integer> pendingDrops = new ArrayList<>();
            BiasSites biasSites = BiasSites.of(model.architecture());
            ModelFamily.Output writer = model.output(dir, layers - dropped.length,
                    (spec.ffn() != null || absorbDrops) && compensator != Compensator.NONE && biasSites.mlp(),
                    spec.heads() != null && compensator != Compensator.NONE && biasSites.attention(), hidden);
            ModelFamily.Parameters outer = writer.writeEmbeddings();
            before += outer.before();
            after += outer.after();
            add("calibrate", t0);

            List<LayerSizes> keptSizes = new ArrayList<>();
            for (int l = 0, written = 0; l < layers; l++) {
                LayerWeights w = model.layer(l);
                before += w.parameterCount();
                LayerPlan plan = LayerPlan.dense(l, w.ffnWidth(), w.numHeads(headDim), w.numKvHeads(headDim));
                final int layer = l;
                boolean drop = Arrays.stream(dropped).anyMatch(d -> d == layer);
                if (drop) {
                    plans.add(plan);
                    try (DeviceBlock dense = DeviceBlock.load(l, w, root)) {
                        if (calib != null && run.mode() == CalibrationMode.DENSE) {
                            calib.advance(f, dense, null);
                        }
                        if (evalDense != null) {
                            evalDense.advance(f, dense, null);
                        }
                        if (teacher != null) {
                            teacher.advance(f, dense, null);
                        }
                    }
                    pendingDrops.add(l);
                    listener.progress("prune", (l + 1.0) / layers, "layer " + l + " dropped");
                    continue;
                }
                LayerActivations acts;
                ActivationCollector captured;
                Tensor missing = null;
                t0 = System.nanoTime();
                // with hidden pruning the criterion, compensation and slicing see the block with its residual channels already cut
                LayerWeights narrowed = hidden == null ? w : HiddenSlicer.slice(w, hidden, l);
                try (DeviceBlock dense = DeviceBlock.load(l, w, root);
                        DeviceBlock narrow = hidden == null ? null : DeviceBlock.load(l, narrowed, root)) {
                    captured = capture(l, narrowed, narrow == null ? dense : narrow, calib, teacher != null);
                    acts = captured == null ? LayerActivations.none(l, w.numHeads(headDim), w.numKvHeads(headDim), headDim)
                            : captured.activations(l, w.numHeads(headDim), w.numKvHeads(headDim), headDim);
                    if (evalDense != null) {
                        evalDense.advance(f, dense, null);
                    }
                    if (teacher != null) {
                        ActivationCollector tc = pendingDrops.isEmpty() ? null : collector(l, EnumSet.of(CaptureSite.BLOCK_OUTPUT), teacher);
                        teacher.advance(f, dense, tc);
                        if (tc != null) {
                            Tensor target = tc.activations(l, w.numHeads(headDim), w.numKvHeads(headDim), headDim).blockOutput();
                            if (hidden != null) {
                                target = target.selectColumns(hidden.kept());
                            }
                            missing = DroppedLayerCompensation.difference(target, acts.blockOutput());
                            notes.put("layerDrop.compensation.layer" + l, String.format(java.util.Locale.ROOT,
                                    "%s of down_proj absorbs dropped layers %s (missing update %.4f of the dense output's norm)",
                                    "lsq".equals(spec.compensation()) ? "lsq refit" : "bias shift", pendingDrops, DroppedLayerCompensation.relativeNorm(missing, target)));
                        }
                    }
                }
                pendingDrops.clear();
                w = narrowed;
                narrowed = null;
                add("calibrate", t0);

                t0 = System.nanoTime();
                if (spec.ffn() != null) {
                    RemovalOrder order = stats != null && stats.ffnOrders != null ? stats.ffnOrders.get(l) : selector.order(acts, w, Structure.FFN_NEURONS);
                    int k = stats != null && stats.ffnCounts != null ? stats.ffnCounts[l] : UnitAllocator.count(order, spec.ffn(), 1, l);
                    plan = plan.withFfn(UnitAllocator.kept(w.ffnWidth(), Arrays.copyOf(order.order(), k)));
                }
                if (spec.heads() != null) {
                    RemovalOrder order = stats != null && stats.headOrders != null ? stats.headOrders.get(l)
                            : selector.order(acts, w, Structure.ATTENTION_HEADS);
                    int k = stats != null && stats.headCounts != null ? stats.headCounts[l]
                            : UnitAllocator.count(order, spec.heads(), groupSize, l);
                    plan = plan.withKvGroups(UnitAllocator.kept(w.numKvHeads(headDim), Arrays.copyOf(order.order(), k)), groupSize);
                }
                plans.add(plan);
                add("score", t0);

                t0 = System.nanoTime();
                LayerWeights compensated = compensator == Compensator.NONE ? w : compensator.compensate(w, acts, plan);
                if (missing != null) {
                    compensated = DroppedLayerCompensation.absorb(spec.compensation(), root, spec.settings().ridge(), compensated,
                            acts.ffnIntermediate(), missing, plan.keptFfn(), ((DecoderFamily) model).residualMultiplier(),
                            biasSites);
                }
                add("compensate", t0);
                t0 = System.nanoTime();
                LayerWeights pruned = StructuredSlicer.sliceHeads(StructuredSlicer.sliceFfn(compensated, plan.keptFfn()),
                        plan.keptHeads(), plan.keptKvGroups(), headDim);
                if (sparsifier != null) {
                    ActivationCollector inputs = captured;
                    pruned = sparsifier.sparsify(l, pruned, site -> inputs.matrix(layer, site));
                }
                w = null;
                compensated = null;
                acts = null;
                captured = null;
                after += pruned.parameterCount();
                keptSizes.add(new LayerSizes(pruned.numHeads(headDim), pruned.numKvHeads(headDim), pruned.ffnWidth()));
                writer.writeLayer(l, written++, pruned);
                add("apply", t0);

                t0 = System.nanoTime();
                boolean carryPruned = calib != null && run.mode() == CalibrationMode.SEQUENTIAL;
                if (carryPruned || evalPruned != null) {
                    try (DeviceBlock p = DeviceBlock.load(l, pruned, root)) {
                        if (carryPruned) {
                            calib.advance(f, p, null);
                        }
                        if (evalPruned != null) {
                            evalPruned.advance(f, p, null);
                        }
                    }
                }
                add("calibrate", t0);
                LayerSizes denseSizes = model.layerSizes(l);
                listener.progress("prune", (l + 1.0) / layers, sparsifier != null
                        ? String.format(java.util.Locale.ROOT, "layer %d: %s %s, %.1f %% of linear weights zero%s", l, sparsifier.methodName(),
                                sparsifier.target().pattern(), 100 * SparsityCensus.linearSparsity(pruned), couplingNote(l))
                        : String.format(java.util.Locale.ROOT, "layer %d: FFN %d → %d, heads %d → %d%s",
                        l, denseSizes.ffn(), pruned.ffnWidth(), denseSizes.heads(), pruned.numHeads(headDim),
                        hidden == null ? "" : ", hidden " + hidden.dense() + " → " + hidden.width()));
            }
            if (calib != null) {
                calib.close();
            }
            if (teacher != null) {
                teacher.close();
            }

            t0 = System.nanoTime();
            ModelFamily.Parameters end = writer.finish(keptSizes);
            before += end.before();
            after += end.after();
            add("apply", t0);

            Evaluation eval = null;
            if (evalDense != null) {
                t0 = System.nanoTime();
                try {
                    eval = model.evaluate(root, evalDense, evalPruned, hidden);
                } finally {
                    evalDense.close();
                    evalPruned.close();
                }
                add("eval", t0);
            }
            Map<String, String> settings = new LinkedHashMap<>(spec.describe());
            if (selector != null) {
                settings.putAll(selector.notes());
            }
            settings.putAll(notes);
            PruningPlan plan = new PruningPlan(layers, plans, dropped, settings);
            return new Outcome(plan, before, after, eval, peakActivationBytes, seconds);
        }
    }

    /**
     * Whether kept blocks absorb the dropped layers before them, and if not, why (in the notes): it needs a
     * compensation, the pruned calibration stream (sequential mode), a pre-norm block (a decoder) and a kept block
     * after the dropped ones.
     */
    private boolean absorbsDroppedLayers(int[] dropped) {
        if (dropped.length == 0) {
            return false;
        }
        String why = null;
        if (compensator == Compensator.NONE) {
            why = "not compensated: compensation none";
        } else if (run.mode() != CalibrationMode.SEQUENTIAL) {
            why = "not compensated: dense calibration carries no pruned stream for the next block to be refit on";
        } else if (!(model instanceof DecoderFamily)) {
            why = "not compensated: an encoder (post-norm) block's FFN output passes a LayerNorm, so its down_proj cannot add the missing update";
        } else if (((DecoderFamily) model).normalisesBlockOutputs()) {
            why = "not compensated: a Gemma or OLMo 2 block's MLP output passes post_feedforward_layernorm, so its down_proj cannot add the missing update";
        }
        if (why != null) {
            notes.put("layerDrop.compensation", why);
            return false;
        }
        int last = model.numLayers() - 1;
        for (int l = last; l >= 0 && contains(dropped, l); l--) {
            notes.put("layerDrop.compensation.layer" + l, "not compensated: no kept block follows it (the blocks before it are already written)");
        }
        // some dropped layer has a kept block after it
        int lastKept = last;
        while (lastKept >= 0 && contains(dropped, lastKept)) {
            lastKept--;
        }
        final int keptEnd = lastKept;
        return Arrays.stream(dropped).anyMatch(d -> d < keptEnd);
    }

    private static boolean contains(int[] a, int v) {
        return Arrays.stream(a).anyMatch(x -> x == v);
    }

    /**
     * Runs the dense block over the calibration states, capturing what the criterion, compensation or sparsifier read
     * (and, when kept blocks absorb dropped layers, the FFN activations and block output); null without calibration.
     */
    private ActivationCollector capture(int l, LayerWeights w, DeviceBlock dense, HiddenStates calib, boolean forDroppedLayers) {
        if (calib == null) {
            return null;
        }
        Set<CaptureSite> sites = EnumSet.noneOf(CaptureSite.class);
        sites.addAll(spec.sites(criterionNeedsActivations()));
        if (forDroppedLayers) {
            sites.add(CaptureSite.FFN_INTERMEDIATE);
            sites.add(CaptureSite.BLOCK_OUTPUT);
        }
        ActivationCollector c = collector(l, sites, calib);
        if (run.mode() == CalibrationMode.DENSE) {
            calib.advance(f, dense, c);
        } else {
            calib.observe(f, dense, c);
        }
        peakActivationBytes = Math.max(peakActivationBytes, c.bytes() + calib.bytes());
        return c;
    }

    /** About {@code maxTokens} token rows for the layer's statistics, shared over the batches by {@link RowBudget}. */
    private ActivationCollector collector(int layer, Set<CaptureSite> sites, HiddenStates states) {
        int[] real = new int[states.batches()];
        for (int b = 0; b < real.length; b++) {
            real[b] = states.tokens(b);
        }
        return new ActivationCollector(sites, layer, layer + 1, RowBudget.rows(real, run.maxTokens()), run.seed());
    }

    /** Removal counts from every layer's statistics on the dense model, and the layers to drop. */
    private static final class Stats {
        /** Fixed per-layer FFN orders (mask-opt's learnt θ, ascending), or null when the pruning pass scores each layer itself. */
        List<RemovalOrder> ffnOrders;
        int[] ffnCounts;
        /** Fixed per-layer KV group orders (mask-opt's), or null. */
        List<RemovalOrder> headOrders;
        int[] headCounts;
        int[] dropped = new int[0];
        HiddenPlan hidden;
    }

    private Stats statsPass(NDManager root, int groupSize) {
        long t0 = System.nanoTime();
        int layers = model.numLayers();
        List<RemovalOrder> ffnOrders = new ArrayList<>(), headOrders = new ArrayList<>();
        List<LayerScores.LayerInputs> inOut = new ArrayList<>();
        // mask-opt reads the dense model's FFN (and KV group) orders only to start θ from mi's rankings
        boolean ffnOrdersNeeded = optimisesStructures() ? spec.mask().masks(MaskStructure.FFN) && spec.mask().initFromMi()
                : isGlobal(spec.ffn()) || optimisesMasks() && spec.mask().initFromMi();
        boolean headOrdersNeeded = optimisesStructures() ? spec.mask().masks(MaskStructure.KV_GROUPS) && spec.mask().initFromMi()
                : isGlobal(spec.heads());
        Set<CaptureSite> sites = EnumSet.noneOf(CaptureSite.class);
        sites.addAll(spec.sites(selector != null && selector.needsActivations()));
        ResidualChannelScores channels = null;
        DecoderFamily decoder = null;
        if (prunesHidden()) {
            decoder = (DecoderFamily) model;
            sites.addAll(EnumSet.of(CaptureSite.BLOCK_INPUT, CaptureSite.MID_RESIDUAL, CaptureSite.ATTENTION_INPUT, CaptureSite.FFN_INPUT,
                    CaptureSite.BLOCK_OUTPUT));
            channels = new ResidualChannelScores(spec.criterion(), model.hiddenSize(),
                    Math.max(64, run.maxTokens() / (2 * layers + 1)), decoder.normEps(), run.seed());
        }
        boolean readLayers = ffnOrdersNeeded || headOrdersNeeded || dropsLayers() || channels != null;
        HiddenStates states = readLayers ? model.embed(root, true, false).calibration() : null;
        try (states) {
            for (int l = 0; readLayers && l < layers; l++) {
                LayerWeights w = model.layer(l);
                ActivationCollector c = collector(l, sites, states);
                try (DeviceBlock dense = DeviceBlock.load(l, w, root)) {
                    states.advance(f, dense, c);
                }
                LayerActivations a = c.activations(l, w.numHeads(headDim), w.numKvHeads(headDim), headDim);
                peakActivationBytes = Math.max(peakActivationBytes, c.bytes() + states.bytes());
                if (ffnOrdersNeeded) {
                    ffnOrders.add(selector.order(a, w, Structure.FFN_NEURONS));
                }
                if (headOrdersNeeded) {
                    headOrders.add(selector.order(a, w, Structure.ATTENTION_HEADS));
                }
                if (dropsLayers()) {
                    inOut.add(new LayerScores.LayerInputs(a.blockInput(), a.blockOutput(), LayerScores.outputWeightEnergy(w)));
                }
                if (channels != null) {
                    channels.addBlock(l, w, c.matrix(l, CaptureSite.BLOCK_INPUT), c.matrix(l, CaptureSite.MID_RESIDUAL),
                            c.matrix(l, CaptureSite.ATTENTION_INPUT), c.matrix(l, CaptureSite.FFN_INPUT));
                    if (l == layers - 1) {
                        double[][] head = decoder.headColumnNorms();
                        channels.addFinal(c.matrix(l, CaptureSite.BLOCK_OUTPUT), decoder.finalNorm(), head[0], head[1]);
                    }
                }
                listener.progress("stats", (l + 1.0) / layers, "statistics of layer " + l);
            }
        }
        Stats s = new Stats();
        if (optimisesStructures()) {
            add("stats", t0);
            t0 = System.nanoTime();
            searchStructures(root, ffnOrdersNeeded ? ffnOrders : null, headOrdersNeeded ? headOrders : null, s);
            add("mask", t0);
            t0 = System.nanoTime();
        } else if (optimisesMasks()) {
            add("stats", t0);
            t0 = System.nanoTime();
            MaskPolicy learnt = searchMasks(root, ffnOrders);
            s.ffnOrders = learnt.removalOrders();
            s.ffnCounts = learnt.removedCounts();
            add("mask", t0);
            t0 = System.nanoTime();
        }
        if (optimisesMasks()) {
            selectUnits(s);
        } else if (isGlobal(spec.ffn())) {
            s.ffnCounts = UnitAllocator.removed(ffnOrders, spec.ffn(), 1).stream().mapToInt(r -> r.length).toArray();
        }
        if (isGlobal(spec.heads())) {
            s.headCounts = UnitAllocator.removed(headOrders, spec.heads(), groupSize).stream().mapToInt(r -> r.length).toArray();
        }
        if (dropsLayers()) {
            List<LayerScores.Score> scores = LayerScores.compute(spec.criterion(), root, inOut, spec.settings().kernelScale(),
                    spec.settings().miTokens(), spec.settings().seed(), spec.settings().ridge());
            s.dropped = spec.keptLayers() != null ? LayerDrop.chooseCount(scores, layers - spec.keptLayers())
                    : LayerDrop.choose(scores, spec.layerRatio() == null ? 0 : spec.layerRatio(), spec.layerThreshold());
            notes.put("layerDrop.basis", LayerScores.basis(spec.criterion()));
            StringBuilder b = new StringBuilder();
            for (int l = 0; l < scores.size(); l++) {
                b.append(String.format(java.util.Locale.ROOT, "%sL%d cost=%.6g change=%.4f", l == 0 ? "" : "; ", l, scores.get(l).cost(),
                        scores.get(l).change()));
            }
            notes.put("layerDrop.scores", b.toString());
        }
        if (channels != null) {
            boolean fold = "lsq".equals(spec.compensation());
            s.hidden = channels.plan(spec.keptHidden(), s.dropped, spec.shape().normScaleOrDefault(fold), fold, spec.settings().ridge(), root);
            describe(s.hidden);
        }
        add("stats", t0);
        listener.progress("plan", 1, "plan ready: " + s.dropped.length + " layers dropped"
                + (s.hidden == null ? "" : ", hidden " + s.hidden.dense() + " → " + s.hidden.width()));
        return s;
    }

    /**
     * Learns the FFN masks on the dense model (forward passes only) under the run's budget, from mi's orders or uniform θ,
     * and records what it did for plan.json.
     */
    private MaskPolicy searchMasks(NDManager root, List<RemovalOrder> miOrders) {
        MaskSettings ms = spec.mask();
        DecoderFamily decoder = (DecoderFamily) model;
        int layers = model.numLayers();
        int[] widths = new int[layers];
        for (int l = 0; l < layers; l++) {
            widths[l] = model.layerSizes(l).ffn();
        }
        long neuron = MaskBudget.neuronParameters(model.layer(0));
        Target t = spec.ffn();
        MaskBudget budget = ms.paramRatio() != null
                ? MaskBudget.fromParameters(widths, neuron, decoder.checkpoint().parameterCount(), ms.paramRatio(), t.allocation(), t.minKeep())
                : MaskBudget.fromFfnRatio(widths, neuron, t.ratio(), t.allocation(), t.minKeep());
        MaskPolicy policy = ms.initFromMi() ? MaskPolicy.fromOrders(budget, miOrders, ms.initFromRawCosts()) : MaskPolicy.uniform(budget);
        MaskSearch.Result r = new MaskSearch(decoder, root, ms.windows()).run(MaskSearch.Policy.of(policy), ms, spec.settings().seed(), listener);
        if (keepsStart(ms, r)) {
            // The search walked away from a criterion's plan that was better on its own windows: plan with the start.
            policy = MaskPolicy.fromOrders(budget, miOrders, ms.initFromRawCosts());
            notes.put("maskOpt.kept", String.format(java.util.Locale.ROOT,
                    "the start (%s init): its most likely mask's loss %.5f is below the final mask's %.5f", ms.init(), r.startLoss(), r.finalLoss()));
        }
        int[] removed = policy.removedCounts();
        int[] learnt = new int[layers];
        for (int l = 0; l < layers; l++) {
            learnt[l] = widths[l] - removed[l];
        }
        notes.put("maskOpt.budget", String.format(java.util.Locale.ROOT, "%s allocation, %d of %d FFN neurons kept (%,d parameters removed, %d per neuron%s)",
                budget.allocation().name().toLowerCase(java.util.Locale.ROOT), budget.keptTotal(), Arrays.stream(widths).sum(),
                budget.removedParameters(), neuron, ms.paramRatio() != null ? ", param ratio " + ms.paramRatio() : ", ffn ratio " + t.ratio()));
        notes.put("maskOpt.learnedFfnWidths", Arrays.toString(learnt));
        notes.put("maskOpt.lossCurve", Arrays.stream(r.lossCurve()).mapToObj(v -> String.format(java.util.Locale.ROOT, "%.5f", v))
                .collect(java.util.stream.Collectors.joining(", ", "[", "]")));
        notes.put("maskOpt.losses", String.format(java.util.Locale.ROOT,
                "mean next-token NLL on %d calibration windows, masks without compensation: dense %.5f, start (most likely mask of the %s init) %.5f, final %.5f",
                r.windows(), r.denseLoss(), ms.init(), r.startLoss(), r.finalLoss()));
        notes.put("maskOpt.expectedFfnWidths", MaskSearch.widths(policy.expectedWidths()));
        notes.put("maskOpt.estimator", "REINFORCE, leave-one-out baseline, step lr/sd(losses), theta projected onto the budget within [eps, 1 - eps], eps = min(0.01, a tenth of the removed or kept fraction)");
        return policy;
    }

    /**
     * Whether the plan keeps the start instead of the search's final mask: only a start that is a criterion's plan (mi
     * init), and only when the search ended worse than it on the search's own objective (uncompensated loss on its
     * windows); a uniform start is no plan to go back to.
     */
    static boolean keepsStart(MaskSettings ms, MaskSearch.Result r) {
        return ms.initFromMi() && r.startLoss() < r.finalLoss();
    }

    /**
     * Learns masks over the chosen structures on the dense model under one global parameter budget and fixes the plan's
     * FFN and KV group orders and counts and its dropped layers from the final mask; records what it did for plan.json.
     */
    private void searchStructures(NDManager root, List<RemovalOrder> ffnOrders, List<RemovalOrder> groupOrders, Stats s) {
        MaskSettings ms = spec.mask();
        DecoderFamily decoder = (DecoderFamily) model;
        int layers = model.numLayers();
        StructureCosts costs = StructureCosts.of(layers, model::layer, headDim, decoder.checkpoint().parameterCount());
        double minKeep = spec.ffn() != null ? spec.ffn().minKeep() : 0;
        StructuredMaskPolicy policy = StructuredMaskPolicy.create(costs, ms.structures(), ms.paramRatio(), minKeep, ffnOrders, groupOrders);
        MaskSearch.Result r = new MaskSearch(decoder, root, ms.windows()).run(MaskSearch.Policy.of(policy), ms, spec.settings().seed(), listener);
        UnitMask best = policy.mostLikely();
        List<Integer> dropped = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            if (!best.keepsLayer(l)) {
                dropped.add(l);
            }
        }
        s.dropped = dropped.stream().mapToInt(Integer::intValue).toArray();
        int[] widths = costs.widths().clone(), groups = costs.groups().clone();
        if (best.ffn() != null) {
            s.ffnOrders = StructuredMaskPolicy.removalOrders(best.ffn(), policy.ffnTheta());
            s.ffnCounts = StructuredMaskPolicy.removedCounts(best.ffn());
            Arrays.setAll(widths, l -> costs.widths()[l] - s.ffnCounts[l]);
        }
        if (best.groups() != null) {
            s.headOrders = StructuredMaskPolicy.removalOrders(best.groups(), policy.groupTheta());
            s.headCounts = StructuredMaskPolicy.removedCounts(best.groups());
            Arrays.setAll(groups, l -> costs.groups()[l] - s.headCounts[l]);
        }
        for (int d : s.dropped) {
            widths[d] = 0;
            groups[d] = 0;
        }
        long kept = costs.kept(best);
        java.util.Locale en = java.util.Locale.ROOT;
        notes.put("maskOpt.structures", String.join(",", ms.structures().stream().map(MaskStructure::text).toList()));
        notes.put("maskOpt.budget", String.format(en,
                "global parameter budget, param ratio %s: %,d of %,d parameters to remove, %,d removed (per unit: FFN neuron %d, KV group %d, layer %d parameters)",
                ms.paramRatio(), policy.removedTarget(), costs.total(), costs.total() - kept, costs.neuron()[0], costs.group()[0], costs.layer()[0]));
        notes.put("maskOpt.learnedFfnWidths", Arrays.toString(widths));
        notes.put("maskOpt.learnedKvGroups", Arrays.toString(groups));
        notes.put("maskOpt.droppedLayers", Arrays.toString(s.dropped));
        notes.put("maskOpt.expected", policy.expected());
        notes.put("maskOpt.lossCurve", Arrays.stream(r.lossCurve()).mapToObj(v -> String.format(en, "%.5f", v))
                .collect(java.util.stream.Collectors.joining(", ", "[", "]")));
        notes.put("maskOpt.losses", String.format(en,
                "mean next-token NLL on %d calibration windows, masks without compensation: dense %.5f, start (most likely mask of the %s init) %.5f, final %.5f",
                r.windows(), r.denseLoss(), ms.init(), r.startLoss(), r.finalLoss()));
        notes.put("maskOpt.estimator", "REINFORCE, leave-one-out baseline, step lr/sd(losses), every theta shifted by one tau within [eps, 1 - eps] so that the"
                + " expected kept parameters (a unit counted only inside a kept layer) meet the budget; final mask: units removed by ascending theta within the budget");
    }

    /**
     * With mi selection the search keeps only its per-layer counts (and dropped layers): the orders go, so that the pruning
     * pass ranks each layer's units by mi on its calibration stream and removes the first ones at those counts, as a
     * uniform mi run does at its own counts. The search scores masks uncompensated, while mi's cost is what the refit
     * cannot recover: inside a layer its choice refits better (docs/benchmarks/mask-opt.md).
     */
    private void selectUnits(Stats s) {
        if (spec.mask().selectsByMi()) {
            s.ffnOrders = null;
            s.headOrders = null;
            notes.put("maskOpt.select", "mi: the search's per-layer counts, the units inside each layer by the mi criterion on the pruning pass's"
                    + " calibration stream (as a uniform mi run chooses them)");
        } else {
            notes.put("maskOpt.select", "search: the final mask's own units (ascending theta)");
        }
    }

    /** The hidden plan in plan.json: kept channels, norm factors, whether readers were folded. */
    private void describe(HiddenPlan h) {
        notes.put("hidden.kept", Arrays.toString(h.kept()));
        notes.put("hidden.basis", spec.criterion() + " channel scores over every residual-stream reader (ResidualChannelScores), not learned masks");
        notes.put("hidden.normScale", spec.shape().normScaleOrDefault(h.fold() != null || "lsq".equals(spec.compensation())).text() + String.format(java.util.Locale.ROOT, ": input_layernorm %s, post_attention_layernorm %s, final %.6f",
                Arrays.toString(Arrays.stream(h.attnScale()).map(v -> Math.round(v * 1e6) / 1e6).toArray()),
                Arrays.toString(Arrays.stream(h.mlpScale()).map(v -> Math.round(v * 1e6) / 1e6).toArray()), h.finalScale()));
        notes.put("hidden.fold", h.fold() == null ? "none: readers sliced" : "lsq: removed channels folded into the kept readers' columns");
    }

    private int uniformGroupSize() {
        int g = -1;
        for (LayerSizes s : model.layerSizes()) {
            int gs = s.heads() / s.kvHeads();
            if (g >= 0 && gs != g) {
                throw new IllegalArgumentException("layers have different query heads per KV group; head pruning needs one group size");
            }
            g = gs;
        }
        return g;
    }

    /** SparseLLM's FFN output error against plain SparseGPT's for this layer, when the sparsifier couples the FFN. */
    private String couplingNote(int layer) {
        return sparsifier.coupledTraces().stream().filter(t -> t.layer() == layer).findFirst()
                .map(t -> String.format(java.util.Locale.ROOT, " (FFN output error %.4g → %.4g over sparsegpt)", t.plainOutputError(), t.outputError()))
                .orElse("");
    }

    private void add(String phase, long t0) {
        seconds.merge(phase, (System.nanoTime() - t0) / 1e9, Double::sum);
    }
}
