package dev.secateur.prune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;
import java.util.Arrays;

/**
 * One block's weights (a decoder's, or an encoder's in the same layout) resident on the device, in their own NDManager, so the streaming pruner can load a
 * block, run every calibration batch through it and free it before the next one is read.
 */
public final class DeviceBlock implements AutoCloseable {
    private final int index;
    private final NDManager manager;
    private final LayerArrays arrays;

    private DeviceBlock(int index, NDManager manager, LayerArrays arrays) {
        this.index = index;
        this.manager = manager;
        this.arrays = arrays;
    }

    /** @param index the block's position in the source model (capture sites are keyed by it) */
    public static DeviceBlock load(int index, LayerWeights w, NDManager parent) {
        NDManager m = parent.newSubManager();
        try {
            return new DeviceBlock(index, m, LayerArrays.of(w, t -> m.create(t.data(), shape(t))));
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /**
     * The block with FFN neurons and attention heads switched off: down_proj's columns multiplied by {@code ffnKeep}
     * and o_proj's by {@code oKeep} (each null: left as it is). Zeroing a query head's o_proj columns is what removing it
     * does to the block's output, and a KV group whose query heads are all off no longer contributes either.
     *
     * @param oKeep [heads · headDim] float 0/1 on this block's device
     */
    public DeviceBlock withMasks(NDArray ffnKeep, NDArray oKeep) {
        NDManager m = manager.newSubManager();
        LayerArrays a = arrays;
        if (ffnKeep != null) {
            NDArray down = arrays.down().mul(ffnKeep);
            down.attach(m);
            a = a.withDown(down);
        }
        if (oKeep != null) {
            NDArray o = arrays.o().mul(oKeep);
            o.attach(m);
            a = a.withO(o);
        }
        return new DeviceBlock(index, m, a);
    }

    static Shape shape(Tensor t) {
        return new Shape(Arrays.stream(t.shape()).asLongStream().toArray());
    }

    /**
     * Runs hidden states [B, T, hidden] through the block; the result is attached to {@code into}, everything
     * computed on the way is freed.
     *
     * @param mask [B, T] (1 = real token) for padded encoder batches, null when every token is real
     */
    public NDArray forward(BlockMath f, NDArray x, NDArray mask, ForwardCapture capture, NDManager into) {
        try (NDManager pass = manager.newSubManager()) {
            // ops take the manager of their first operand: lending x (and the mask) to the pass frees every intermediate with it
            x.tempAttach(pass);
            if (mask != null) {
                mask.tempAttach(pass);
            }
            NDArray y = f.block(index, arrays, x, mask, pass, capture);
            y.attach(into);
            return y;
        }
    }

    /** The block's weight arrays by component name (live arrays: callers may switch gradients on). */
    public java.util.Map<String, NDArray> parameters() {
        return arrays.byName();
    }

    /**
     * Backpropagates {@code gradOut} = ∂L/∂y through the block at input x: the weights' gradients accumulate (switch
     * them on first with {@link #parameters()}), and ∂L/∂x comes back attached to {@code into}.
     */
    public NDArray backward(BlockForward f, NDArray x, NDArray gradOut, NDManager into) {
        try (NDManager pass = manager.newSubManager()) {
            NDArray xi = x.duplicate();
            xi.attach(pass);
            xi.setRequiresGradient(true);
            try (ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getEngine("PyTorch").newGradientCollector()) {
                BlockForward.Context ctx = f.context(pass, Math.toIntExact(x.getShape().get(1)));
                NDArray y = f.block(index, arrays, xi, ctx, ForwardCapture.NONE);
                gc.backward(y.mul(gradOut).sum());
            }
            NDArray gx = xi.getGradient().duplicate();
            gx.attach(into);
            return gx;
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
