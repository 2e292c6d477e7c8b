package dev.secateur.prune.plan;

import java.util.Arrays;

/**
 * What each maskable unit of a decoder costs in parameters, for a budget over several structures. A layer's own part
 * ({@link #base}) is what it holds besides its neurons and KV groups (norms, o_proj's bias, per-head norms); dropping the
 * layer removes that and whatever of its neurons and groups is still kept, so nothing is counted twice.
 *
 * @param widths FFN neurons per layer
 * @param neuron parameters of one neuron per layer: its gate and up rows, its down column and their biases
 * @param groups KV groups per layer
 * @param group parameters of one KV group per layer: its query heads' q rows and o columns, its k and v rows, their biases
 * @param layer all parameters of each layer
 * @param total all parameters of the model (embeddings, head and final norm included)
 */
public record StructureCosts(int[] widths, long[] neuron, int[] groups, long[] group, long[] layer, long total) {

    public StructureCosts {
        int n = widths.length;
        if (neuron.length != n || groups.length != n || group.length != n || layer.length != n) {
            throw new IllegalArgumentException("per-layer costs of different lengths");
        }
        for (int l = 0; l < n; l++) {
            if (base(l, widths, neuron, groups, group, layer) < 0) {
                throw new IllegalArgumentException("layer " + l + ": its neurons and KV groups own more than its " + layer[l] + " parameters");
            }
        }
    }

    /** From a decoder's layers: the head dimension splits attention into KV groups. */
    public static StructureCosts of(java.util.List<dev.secateur.model.LayerWeights> layers, int headDim, long total) {
        return of(layers.size(), layers::get, headDim, total);
    }

    /** From a decoder's layers, read one at a time (a streamed checkpoint holds one block at once). */
    public static StructureCosts of(int n, java.util.function.IntFunction<dev.secateur.model.LayerWeights> layers, int headDim, long total) {
        int[] widths = new int[n], groups = new int[n];
        long[] neuron = new long[n], group = new long[n], layer = new long[n];
        for (int l = 0; l < n; l++) {
            dev.secateur.model.LayerWeights w = layers.apply(l);
            widths[l] = w.ffnWidth();
            neuron[l] = MaskBudget.neuronParameters(w);
            groups[l] = w.numKvHeads(headDim);
            long attention = w.q().numel() + w.k().numel() + w.v().numel() + w.o().numel() + numel(w.qBias()) + numel(w.kBias()) + numel(w.vBias());
            group[l] = attention / groups[l];
            layer[l] = w.parameterCount();
        }
        return new StructureCosts(widths, neuron, groups, group, layer, total);
    }

    /**
     * Costs from one layer's shapes and every layer's sizes, without reading the others: a neuron and a KV group cost what
     * they cost in {@code first} (the hidden size and group size are the model's), a layer its own part as in
     * {@code first} plus its neurons and groups.
     */
    public static StructureCosts scaled(dev.secateur.model.LayerWeights first, java.util.List<dev.secateur.model.LayerSizes> sizes, int headDim,
            long total) {
        StructureCosts one = of(java.util.List.of(first), headDim, first.parameterCount());
        int n = sizes.size();
        int[] widths = new int[n], groups = new int[n];
        long[] neuron = new long[n], group = new long[n], layer = new long[n];
        for (int l = 0; l < n; l++) {
            widths[l] = sizes.get(l).ffn();
            groups[l] = sizes.get(l).kvHeads();
            neuron[l] = one.neuron()[0];
            group[l] = one.group()[0];
            layer[l] = one.base(0) + widths[l] * neuron[l] + groups[l] * group[l];
        }
        return new StructureCosts(widths, neuron, groups, group, layer, total);
    }

    /** Structures this model cannot have masks over: KV groups when every layer has one (a kept layer keeps one), layers when it has one. */
    public static void refuseImpossible(StructureCosts c, java.util.Set<MaskStructure> s) {
        if (s.contains(MaskStructure.KV_GROUPS) && Arrays.stream(c.groups()).allMatch(g -> g <= 1)) {
            throw new IllegalArgumentException("kv-groups: every layer of this model has one KV group, and a kept layer keeps at least one");
        }
        if (s.contains(MaskStructure.LAYERS) && c.layers() < 2) {
            throw new IllegalArgumentException("layers: the model has one layer, and at least one stays");
        }
    }

    private static long numel(dev.secateur.checkpoint.Tensor t) {
        return t == null ? 0 : t.numel();
    }

    public int layers() {
        return widths.length;
    }

    /** Parameters of layer l that belong to no neuron and no KV group. */
    public long base(int l) {
        return base(l, widths, neuron, groups, group, layer);
    }

    private static long base(int l, int[] widths, long[] neuron, int[] groups, long[] group, long[] layer) {
        return layer[l] - widths[l] * neuron[l] - groups[l] * group[l];
    }

    /** Parameters outside every layer: embeddings, final norm, head. */
    public long outside() {
        return total - Arrays.stream(layer).sum();
    }

    /**
     * Kept parameters, in expectation, under keep probabilities (or 0/1 for a mask): outside + Σ_l z_l (base_l + Σ_j θ_j
     * neuron_l + Σ_g θ_g group_l). A null part keeps that structure whole.
     */
    public double kept(double[] layerKeep, double[][] ffnKeep, double[][] groupKeep) {
        double s = outside();
        for (int l = 0; l < widths.length; l++) {
            double inner = base(l) + neuron[l] * (ffnKeep == null ? widths[l] : sum(ffnKeep[l])) + group[l] * (groupKeep == null ? groups[l] : sum(groupKeep[l]));
            s += (layerKeep == null ? 1 : layerKeep[l]) * inner;
        }
        return s;
    }

    /** Kept parameters of the model under this mask. */
    public long kept(UnitMask m) {
        return Math.round(kept(m.layers() == null ? null : ones(m.layers()), ones(m.ffn()), ones(m.groups())));
    }

    private static double sum(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s;
    }

    private static double[] ones(boolean[] b) {
        double[] d = new double[b.length];
        for (int i = 0; i < b.length; i++) {
            d[i] = b[i] ? 1 : 0;
        }
        return d;
    }

    private static double[][] ones(boolean[][] b) {
        if (b == null) {
            return null;
        }
        double[][] d = new double[b.length][];
        for (int l = 0; l < b.length; l++) {
            d[l] = ones(b[l]);
        }
        return d;
    }
}
