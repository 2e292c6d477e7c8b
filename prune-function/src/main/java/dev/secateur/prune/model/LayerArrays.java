package dev.secateur.prune.model;

import ai.djl.ndarray.NDArray;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * One block's weights as NDArrays, component for component the same as {@link LayerWeights} (same names,
 * same order, null where absent). The conversion goes through the record components by name, so the two
 * cannot drift apart silently when a component is added: the class fails to initialise instead.
 */
record LayerArrays(
        NDArray attnNorm, NDArray attnNormBias,
        NDArray q, NDArray qBias, NDArray k, NDArray kBias, NDArray v, NDArray vBias,
        NDArray o, NDArray oBias,
        NDArray mlpNorm, NDArray mlpNormBias,
        NDArray gate, NDArray gateBias, NDArray up, NDArray upBias, NDArray down, NDArray downBias,
        NDArray qNorm, NDArray kNorm, NDArray postAttnNorm, NDArray postMlpNorm) {

    private static final RecordComponent[] MINE = LayerArrays.class.getRecordComponents();
    private static final RecordComponent[] THEIRS = LayerWeights.class.getRecordComponents();

    static {
        String[] mine = Arrays.stream(MINE).map(RecordComponent::getName).toArray(String[]::new);
        String[] theirs = Arrays.stream(THEIRS).map(RecordComponent::getName).toArray(String[]::new);
        if (!Arrays.equals(mine, theirs)) {
            throw new IllegalStateException("LayerArrays " + Arrays.toString(mine) + " != LayerWeights " + Arrays.toString(theirs));
        }
    }

    static LayerArrays of(LayerWeights w, Function<Tensor, NDArray> convert) {
        Object[] args = new Object[THEIRS.length];
        for (int i = 0; i < THEIRS.length; i++) {
            Tensor t = (Tensor) get(THEIRS[i], w);
            args[i] = t == null ? null : convert.apply(t);
        }
        return construct(LayerArrays.class, NDArray.class, args);
    }

    LayerWeights toWeights(Function<NDArray, Tensor> convert) {
        Object[] args = new Object[MINE.length];
        for (int i = 0; i < MINE.length; i++) {
            NDArray a = (NDArray) get(MINE[i], this);
            args[i] = a == null ? null : convert.apply(a);
        }
        return construct(LayerWeights.class, Tensor.class, args);
    }

    /** The same block with another down projection (a masked copy); every other array is shared. */
    LayerArrays withDown(NDArray newDown) {
        return new LayerArrays(attnNorm, attnNormBias, q, qBias, k, kBias, v, vBias, o, oBias, mlpNorm, mlpNormBias,
                gate, gateBias, up, upBias, newDown, downBias, qNorm, kNorm, postAttnNorm, postMlpNorm);
    }

    /** The same block with another output projection (a masked copy); every other array is shared. */
    LayerArrays withO(NDArray newO) {
        return new LayerArrays(attnNorm, attnNormBias, q, qBias, k, kBias, v, vBias, newO, oBias, mlpNorm, mlpNormBias,
                gate, gateBias, up, upBias, down, downBias, qNorm, kNorm, postAttnNorm, postMlpNorm);
    }

    /** The present (non-null) arrays under their component names, in declaration order. */
    Map<String, NDArray> byName() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (RecordComponent c : MINE) {
            NDArray a = (NDArray) get(c, this);
            if (a != null) {
                out.put(c.getName(), a);
            }
        }
        return out;
    }

    private static Object get(RecordComponent c, Object record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T construct(Class<T> type, Class<?> componentType, Object[] args) {
        try {
            Constructor<T> ctor = type.getDeclaredConstructor(Collections.nCopies(args.length, componentType).toArray(Class<?>[]::new));
            return ctor.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
