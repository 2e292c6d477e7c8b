package dev.secateur.prune.criterion;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.prune.model.ForwardCapture;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every layer's Taylor estimates (each {@link TaylorVariant}) of its FFN neurons and KV groups, from g = ∂L/∂W with L the
 * mean next-token NLL over all calibration windows. A neuron's weights are its gate row, up row and down column; a KV
 * group's its query heads' q rows, its k and v rows and its query heads' o columns (biases and norms are not counted).
 * Besides the estimates on all windows, each is also computed from the mean gradient of the even- and of the odd-numbered
 * batches alone (split halves), which {@link FusionCriterion} uses to measure how much an estimate moves with the data.
 */
public final class TaylorEstimates {
    /** The weight parts whose gradients are read. */
    public static final List<String> PARTS = List.of("gate", "up", "down", "q", "k", "v", "o");

    /**
     * One layer's estimates for one structure's units.
     *
     * @param all per variant, one value per unit, from all windows
     * @param halfA the same from the even-numbered batches' mean gradient; empty when there was one batch only
     * @param halfB the same from the odd-numbered batches'
     */
    public record Units(Map<TaylorVariant, double[]> all, Map<TaylorVariant, double[]> halfA, Map<TaylorVariant, double[]> halfB) {
        public double[] of(TaylorVariant v) {
            double[] s = all.get(v);
            if (s == null) {
                throw new IllegalStateException("the " + v.json() + " Taylor estimate needs per-window gradients, which this pass did not take");
            }
            return s;
        }

        public boolean hasHalves() {
            return !halfA.isEmpty();
        }
    }

    private final Map<Integer, Units> ffn;
    private final Map<Integer, Units> groups;
    private final boolean fisher;

    private TaylorEstimates(Map<Integer, Units> ffn, Map<Integer, Units> groups, boolean fisher) {
        this.ffn = ffn;
        this.groups = groups;
        this.fisher = fisher;
    }

    public Units units(int layer, Structure s) {
        Units u = switch (s) {
            case FFN_NEURONS -> ffn.get(layer);
            case ATTENTION_HEADS -> groups.get(layer);
            case LAYERS -> throw new IllegalArgumentException("Taylor estimates score FFN neurons and KV groups, not whole layers");
        };
        if (u == null) {
            throw new IllegalStateException("no Taylor estimates for layer " + layer);
        }
        return u;
    }

    /** Whether the pass took per-window gradients, so that {@link TaylorVariant#SECOND_ORDER} is available. */
    public boolean hasFisher() {
        return fisher;
    }

    /**
     * Collects one layer's gradients at a time, as a backward pass produces them: G_A, G_B (the gradient of L split by
     * batch parity, each weighted by its windows' share of all windows, so G_A + G_B = ∂L/∂W) and, with Fisher, F = mean over
     * windows of (∂L_n/∂W)², L_n one window's mean NLL. {@link #finish} turns a layer's sums into its estimates and frees them.
     */
    public static final class Accumulator {
        private final int windows;
        private final boolean fisher;
        private final Map<Integer, Sums> open = new HashMap<>();
        private final Map<Integer, Units> ffn = new HashMap<>(), groups = new HashMap<>();

        /**
         * @param windows calibration windows in all (L is their mean)
         * @param fisher whether every {@link #add} is one window's gradient, squared into F
         */
        public Accumulator(int windows, boolean fisher) {
            this.windows = windows;
            this.fisher = fisher;
        }

        public boolean fisher() {
            return fisher;
        }

        /**
         * @param grads ∂(mean NLL of {@code count} windows)/∂W of one layer, by part name; read, not kept
         * @param batch the index of the batch (of the window, with Fisher) among all: its parity picks the half
         * @param keep where the layer's sums live until {@link #finish}
         */
        public void add(int layer, Map<String, NDArray> grads, int count, int batch, NDManager keep) {
            if (fisher && count != 1) {
                throw new IllegalArgumentException("the Fisher diagonal needs one window per gradient, got " + count);
            }
            Sums s = open.computeIfAbsent(layer, k -> new Sums());
            double share = (double) count / windows;
            s.windows[batch % 2] += count;
            for (Map.Entry<String, NDArray> e : grads.entrySet()) {
                Map<String, NDArray> half = batch % 2 == 0 ? s.a : s.b;
                addInto(half, e.getKey(), e.getValue().mul(share), keep);
                if (fisher) {
                    addInto(s.f, e.getKey(), e.getValue().square().divi(windows), keep);
                }
            }
        }

        private static void addInto(Map<String, NDArray> sums, String part, NDArray x, NDManager keep) {
            NDArray acc = sums.get(part);
            if (acc == null) {
                x.attach(keep);
                sums.put(part, x);
            } else {
                acc.addi(x);
                x.close();
            }
        }

        /** The layer's estimates from its sums and weights (by part name); its sums are closed. */
        public void finish(int layer, Map<String, NDArray> weights, int headDim) {
            Sums s = open.remove(layer);
            if (s == null) {
                throw new IllegalStateException("no gradients were added for layer " + layer);
            }
            try {
                Map<String, NDArray> g = new HashMap<>();
                for (String part : s.a.keySet()) {
                    g.put(part, s.b.containsKey(part) ? s.a.get(part).add(s.b.get(part)) : s.a.get(part));
                }
                Map<String, NDArray> f = fisher ? s.f : null;
                boolean halves = s.windows[0] > 0 && s.windows[1] > 0;
                Map<String, NDArray> ga = halves ? scaled(s.a, (double) windows / s.windows[0]) : null;
                Map<String, NDArray> gb = halves ? scaled(s.b, (double) windows / s.windows[1]) : null;
                for (Structure st : new Structure[] {Structure.FFN_NEURONS, Structure.ATTENTION_HEADS}) {
                    Map<TaylorVariant, double[]> all = estimates(g, f, weights, headDim, st);
                    Map<TaylorVariant, double[]> a = halves ? estimates(ga, f, weights, headDim, st) : Map.of();
                    Map<TaylorVariant, double[]> b = halves ? estimates(gb, f, weights, headDim, st) : Map.of();
                    (st == Structure.FFN_NEURONS ? ffn : groups).put(layer, new Units(all, a, b));
                }
            } finally {
                s.close();
            }
        }

        private static Map<String, NDArray> scaled(Map<String, NDArray> sums, double by) {
            Map<String, NDArray> out = new HashMap<>();
            sums.forEach((k, v) -> out.put(k, v.mul(by)));
            return out;
        }

        public TaylorEstimates result() {
            if (!open.isEmpty()) {
                throw new IllegalStateException("layers " + open.keySet() + " were never finished");
            }
            return new TaylorEstimates(ffn, groups, fisher);
        }
    }

    /** One layer's open sums; the per-part arrays live in the manager given to {@link Accumulator#add}. */
    private static final class Sums implements AutoCloseable {
        final Map<String, NDArray> a = new HashMap<>(), b = new HashMap<>(), f = new HashMap<>();
        final int[] windows = new int[2];

        @Override
        public void close() {
            for (Map<String, NDArray> m : List.of(a, b, f)) {
                m.values().forEach(NDArray::close);
            }
        }
    }

    /** Each variant's per-unit values from a gradient g (and Fisher diagonal f, or null) of one layer's weights w. */
    static Map<TaylorVariant, double[]> estimates(Map<String, NDArray> g, Map<String, NDArray> f, Map<String, NDArray> w, int hd,
            Structure s) {
        List<String> parts = s == Structure.FFN_NEURONS ? List.of("gate", "up", "down") : List.of("q", "k", "v", "o");
        double[] vector = null, element = null, second = null;
        int kv = Math.toIntExact(w.get("k").getShape().get(0) / hd);
        for (String part : parts) {
            NDArray gp = g.get(part);
            if (gp == null) {
                continue; // e.g. GPT-2 has no gate
            }
            NDArray p = gp.mul(w.get(part));
            double[] v = perUnit(p, part, s, hd, kv);
            for (int i = 0; i < v.length; i++) {
                v[i] = Math.abs(v[i]);
            }
            vector = plus(vector, v);
            element = plus(element, perUnit(p.abs(), part, s, hd, kv));
            if (f != null) {
                NDArray curvature = f.get(part).mul(w.get(part).square()).mul(0.5);
                second = plus(second, perUnit(p.sub(curvature).abs(), part, s, hd, kv));
            }
        }
        Map<TaylorVariant, double[]> out = new EnumMap<>(TaylorVariant.class);
        out.put(TaylorVariant.VECTOR, vector);
        out.put(TaylorVariant.ELEMENT, element);
        if (second != null) {
            out.put(TaylorVariant.SECOND_ORDER, second);
        }
        return out;
    }

    /**
     * Σ of a per-weight array over each unit's part of one weight matrix. gate/up/q/k/v are [out, in] with the unit's rows,
     * down/o [out, in] with its columns; a KV group owns q's and o's groupSize·headDim rows/columns and k's and v's headDim rows.
     */
    private static double[] perUnit(NDArray perWeight, String part, Structure s, int hd, int kv) {
        boolean columns = part.equals("down") || part.equals("o");
        NDArray lines = perWeight.sum(new int[] {columns ? 0 : 1});
        if (s == Structure.ATTENTION_HEADS) {
            lines = lines.reshape(kv, -1).sum(new int[] {1});
        }
        return lines.toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static double[] plus(double[] acc, double[] x) {
        if (acc == null) {
            return x;
        }
        for (int i = 0; i < x.length; i++) {
            acc[i] += x[i];
        }
        return acc;
    }

    /**
     * The same estimates with the whole model resident (the reference the streamed {@code TaylorPass} is tested against):
     * batches of {@code batchSize} windows, or one window at a time with {@code fisher}.
     */
    public static TaylorEstimates compute(DecoderModel model, long[][] windows, int batchSize, int headDim, boolean fisher) {
        Map<String, NDArray> params = model.parameters();
        int layers = model.numLayers();
        int step = fisher ? 1 : batchSize;
        Accumulator acc = new Accumulator(windows.length, fisher);
        params.values().forEach(p -> p.setRequiresGradient(true));
        try (NDManager keep = NDManager.newBaseManager(model.device(), "PyTorch")) {
            for (int s = 0, batch = 0; s < windows.length; s += step, batch++) {
                long[][] part = Arrays.copyOfRange(windows, s, Math.min(windows.length, s + step));
                try (NDManager m = NDManager.newBaseManager(model.device(), "PyTorch")) {
                    try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                        NDArray ids = m.create(part);
                        NDArray logits = model.forward(ids, ForwardCapture.NONE);
                        int t = part[0].length;
                        NDArray logp = logits.get(":, 0:" + (t - 1) + ", :").logSoftmax(2);
                        NDArray targets = ids.get(":, 1:").toDevice(logp.getDevice(), false).expandDims(2);
                        gc.backward(logp.gather(targets, 2).mean().neg());
                    }
                    for (int l = 0; l < layers; l++) {
                        Map<String, NDArray> g = new HashMap<>();
                        for (String name : PARTS) {
                            NDArray w = params.get("layers." + l + "." + name);
                            if (w != null) {
                                NDArray grad = w.getGradient();
                                g.put(name, grad.duplicate());
                                grad.muli(0); // gradients accumulate in libtorch: every batch starts from zero
                            }
                        }
                        acc.add(l, g, part.length, batch, keep);
                        g.values().forEach(NDArray::close);
                    }
                }
            }
            for (int l = 0; l < layers; l++) {
                Map<String, NDArray> w = new HashMap<>();
                for (String name : PARTS) {
                    NDArray a = params.get("layers." + l + "." + name);
                    if (a != null) {
                        w.put(name, a);
                    }
                }
                acc.finish(l, w, headDim);
            }
        } finally {
            params.values().forEach(p -> p.setRequiresGradient(false));
        }
        return acc.result();
    }
}
