package dev.secateur.prune.criterion;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.prune.model.ForwardCapture;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * LLM-Pruner's first-order Taylor importance: |Σ (∂L/∂W) ∘ W| over a unit's group of weights (FFN neuron: gate
 * row, up row, down column; KV group: its q rows, k/v rows and o columns), L the next-token NLL on the
 * calibration windows, gradients by DJL autograd. Computed once for all layers from the model ({@link #compute}).
 */
public final class TaylorCriterion implements ImportanceCriterion {
    private final Map<Integer, double[]> ffn;
    private final Map<Integer, double[]> groups;

    private TaylorCriterion(Map<Integer, double[]> ffn, Map<Integer, double[]> groups) {
        this.ffn = ffn;
        this.groups = groups;
    }

    /** Accumulates Σ g∘W per layer, one batch's gradients at a time, as a streamed backward pass produces them. */
    public static final class Accumulator {
        private final Map<Integer, double[]> ffn = new HashMap<>(), groups = new HashMap<>();

        /** @param products g∘W of one layer for one batch, by part name (gate, up, down, q, k, v, o) */
        public void add(int layer, Map<String, NDArray> products, int headDim, NDManager m) {
            accumulate(ffn, layer, neuronSums(products));
            accumulate(groups, layer, groupSums(products, headDim, m));
        }

        public TaylorCriterion result() {
            return new TaylorCriterion(ffn, groups);
        }
    }

    /** The weight parts whose gradients the criterion reads. */
    public static final List<String> PARTS = List.of("gate", "up", "down", "q", "k", "v", "o");

    @Override
    public String name() {
        return "taylor";
    }

    @Override
    public boolean needsActivations() {
        return false;
    }

    @Override
    public double[] scores(LayerActivations acts, LayerWeights w, Structure s) {
        double[] v = switch (s) {
            case FFN_NEURONS -> ffn.get(acts.layer());
            case ATTENTION_HEADS -> groups.get(acts.layer());
            case LAYERS -> throw new IllegalArgumentException("taylor scores FFN neurons and KV groups");
        };
        double[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.abs(out[i]);
        }
        return out;
    }

    public static TaylorCriterion compute(DecoderModel model, long[][] windows, int batchSize, int headDim) {
        Map<String, NDArray> params = model.parameters();
        int layers = model.numLayers();
        List<String> parts = List.of("gate", "up", "down", "q", "k", "v", "o");
        Map<Integer, double[]> ffn = new HashMap<>(), groups = new HashMap<>();
        params.values().forEach(p -> p.setRequiresGradient(true));
        try {
            for (int s = 0; s < windows.length; s += batchSize) {
                long[][] batch = java.util.Arrays.copyOfRange(windows, s, Math.min(windows.length, s + batchSize));
                try (NDManager m = NDManager.newBaseManager(model.device(), "PyTorch")) {
                    try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                        NDArray ids = m.create(batch);
                        NDArray logits = model.forward(ids, ForwardCapture.NONE);
                        int t = batch[0].length;
                        NDArray logp = logits.get(":, 0:" + (t - 1) + ", :").logSoftmax(2);
                        NDArray targets = ids.get(":, 1:").toDevice(logp.getDevice(), false).expandDims(2);
                        gc.backward(logp.gather(targets, 2).mean().neg());
                    }
                    for (int l = 0; l < layers; l++) {
                        Map<String, NDArray> g = new HashMap<>();
                        for (String part : parts) {
                            NDArray w = params.get("layers." + l + "." + part);
                            if (w != null) {
                                NDArray grad = w.getGradient();
                                NDArray prod = grad.mul(w);
                                prod.attach(m);
                                g.put(part, prod);
                                grad.muli(0); // gradients accumulate in libtorch: start every batch from zero
                            }
                        }
                        accumulate(ffn, l, neuronSums(g));
                        accumulate(groups, l, groupSums(g, headDim, m));
                    }
                }
            }
        } finally {
            params.values().forEach(p -> p.setRequiresGradient(false));
        }
        return new TaylorCriterion(ffn, groups);
    }

    private static double[] neuronSums(Map<String, NDArray> g) {
        NDArray s = g.get("up").sum(new int[] {1}).add(g.get("down").sum(new int[] {0}));
        if (g.containsKey("gate")) {
            s = s.add(g.get("gate").sum(new int[] {1}));
        }
        return s.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
    }

    private static double[] groupSums(Map<String, NDArray> g, int hd, NDManager m) {
        long kvRows = g.get("k").getShape().get(0);
        int kv = (int) (kvRows / hd);
        long qRows = g.get("q").getShape().get(0);
        int groupRows = (int) (qRows / kv);
        double[] q = g.get("q").sum(new int[] {1}).reshape(kv, groupRows).sum(new int[] {1}).toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
        double[] o = g.get("o").sum(new int[] {0}).reshape(kv, groupRows).sum(new int[] {1}).toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
        double[] k = g.get("k").sum(new int[] {1}).reshape(kv, hd).sum(new int[] {1}).toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
        double[] v = g.get("v").sum(new int[] {1}).reshape(kv, hd).sum(new int[] {1}).toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
        double[] out = new double[kv];
        for (int i = 0; i < kv; i++) {
            out[i] = q[i] + o[i] + k[i] + v[i];
        }
        return out;
    }

    private static void accumulate(Map<Integer, double[]> acc, int layer, double[] x) {
        double[] a = acc.computeIfAbsent(layer, k -> new double[x.length]);
        for (int i = 0; i < x.length; i++) {
            a[i] += x[i];
        }
    }
}
