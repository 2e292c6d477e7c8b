package dev.secateur.prune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.secateur.checkpoint.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter): for each weight w with gradient g,
 * m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², w ← w − lr·wd·w − lr·m̂/(√v̂ + ε) with bias-corrected m̂, v̂.
 * Decay applies only to matrices (rank ≥ 2: projections, embeddings), not to norm weights or biases.
 * Moments live in this optimizer's NDManager on the weights' device; the update runs in place, outside
 * any GradientCollector, so it is not recorded by autograd.
 */
public final class AdamW implements AutoCloseable {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final NDManager manager;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private long t;

    public AdamW(NDManager parent, double beta1, double beta2, double eps, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.manager = parent.newSubManager();
    }

    /** The number of updates applied so far. */
    public long updates() {
        return t;
    }

    /**
     * One update of every parameter that has a gradient.
     *
     * @param gradScale multiplies every gradient first (the global-norm clipping factor)
     */
    public void step(Map<String, NDArray> params, double lr, double gradScale) {
        t++;
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        // Grad mode is per thread in libtorch and starts enabled on every thread but the one that loaded the
        // engine; with it on, an in-place update of a weight that requires grad is refused. Off for the update.
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager tmp = manager.newSubManager()) {
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray w = e.getValue();
                NDArray g = w.getGradient();
                g.attach(tmp);
                if (gradScale != 1.0) {
                    g = g.mul((float) gradScale);
                }
                NDArray mi = m.computeIfAbsent(e.getKey(), k -> zerosLike(w));
                NDArray vi = v.computeIfAbsent(e.getKey(), k -> zerosLike(w));
                // An op's result belongs to its first operand's manager: temporaries derived from the moments
                // are attached to tmp explicitly, else every step would leak weight-sized arrays.
                mi.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
                vi.muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
                NDArray denom = vi.div((float) bc2);
                denom.attach(tmp);
                denom = denom.sqrt().addi((float) eps);
                NDArray update = mi.div((float) bc1);
                update.attach(tmp);
                update.divi(denom).muli((float) lr);
                if (weightDecay > 0 && w.getShape().dimension() >= 2) {
                    w.muli((float) (1 - lr * weightDecay));
                }
                w.subi(update);
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    /** Arrays this optimizer holds (2 per parameter after the first step); a leak check for tests. */
    int liveArrays() {
        return manager.getManagedArrays().size();
    }

    private NDArray zerosLike(NDArray w) {
        return manager.zeros(w.getShape(), DataType.FLOAT32, w.getDevice());
    }

    /** Moments as tensors named "m.{param}" and "v.{param}", for a checkpoint. */
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        m.forEach((k, a) -> out.put("m." + k, tensor(a)));
        v.forEach((k, a) -> out.put("v." + k, tensor(a)));
        return out;
    }

    /** Restores moments and the update count saved by {@link #state()}. */
    public void load(Map<String, Tensor> state, long updates, Map<String, NDArray> params) {
        m.values().forEach(NDArray::close);
        v.values().forEach(NDArray::close);
        m.clear();
        v.clear();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            Tensor tm = state.get("m." + e.getKey());
            Tensor tv = state.get("v." + e.getKey());
            if (tm == null || tv == null) {
                if (updates > 0) {
                    throw new IllegalStateException("optimizer state has no moments for parameter '" + e.getKey() + "'");
                }
                continue;
            }
            m.put(e.getKey(), array(tm, e.getValue()));
            v.put(e.getKey(), array(tv, e.getValue()));
        }
        this.t = updates;
    }

    private NDArray array(Tensor t, NDArray like) {
        long[] shape = Arrays.stream(t.shape()).asLongStream().toArray();
        if (!new Shape(shape).equals(like.getShape())) {
            throw new IllegalStateException("optimizer state shape " + Arrays.toString(t.shape()) + " does not match parameter "
                    + like.getShape());
        }
        return manager.create(t.data(), new Shape(shape)).toDevice(like.getDevice(), false);
    }

    static Tensor tensor(NDArray a) {
        int[] shape = Arrays.stream(a.getShape().getShape()).mapToInt(Math::toIntExact).toArray();
        return new Tensor(shape, a.toFloatArray());
    }

    @Override
    public void close() {
        manager.close();
    }
}
