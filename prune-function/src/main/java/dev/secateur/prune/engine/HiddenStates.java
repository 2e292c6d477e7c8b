package dev.secateur.prune.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.secateur.prune.calibration.ActivationCollector;
import dev.secateur.prune.model.BlockForward;
import dev.secateur.prune.model.DeviceBlock;
import dev.secateur.prune.model.ForwardCapture;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The residual stream of a set of token windows between two blocks, one [batch, seq, hidden] array per batch, on
 * the pruning device. It is carried from block to block; nothing of a block outlives the step that used it.
 */
final class HiddenStates implements AutoCloseable {
    private final NDManager manager;
    private final List<NDArray> batches;

    private HiddenStates(NDManager manager, List<NDArray> batches) {
        this.manager = manager;
        this.batches = batches;
    }

    /** Embeds the windows in batches of {@code batchSize}. */
    static HiddenStates embed(BlockForward f, NDManager parent, long[][] windows, int batchSize, NDArray tokens, NDArray positions) {
        NDManager m = parent.newSubManager();
        List<NDArray> out = new ArrayList<>();
        for (int s = 0; s < windows.length; s += batchSize) {
            long[][] part = Arrays.copyOfRange(windows, s, Math.min(windows.length, s + batchSize));
            try (NDManager pass = parent.newSubManager()) {
                NDArray ids = pass.create(part).toType(DataType.INT64, false);
                NDArray x = f.embed(ids, tokens, positions, pass);
                x.attach(m);
                out.add(x);
            }
        }
        return new HiddenStates(m, out);
    }

    int batches() {
        return batches.size();
    }

    /** Tokens in batch {@code b} (batch × seq). */
    int tokens(int b) {
        return Math.toIntExact(batches.get(b).getShape().get(0) * batches.get(b).getShape().get(1));
    }

    NDArray batch(int b) {
        return batches.get(b);
    }

    /** Replaces every batch by its output through the block, letting {@code collector} (may be null) see the activations. */
    void advance(BlockForward f, DeviceBlock block, ActivationCollector collector) {
        for (int b = 0; b < batches.size(); b++) {
            ForwardCapture capture = ForwardCapture.NONE;
            if (collector != null) {
                collector.beginBatch(b, tokens(b));
                capture = collector;
            }
            NDArray old = batches.get(b);
            batches.set(b, block.forward(f, old, capture, manager));
            old.close();
        }
    }

    /** Runs the block for its activations only; the states stay as they were. */
    void observe(BlockForward f, DeviceBlock block, ActivationCollector collector) {
        try (NDManager scratch = manager.newSubManager()) {
            for (int b = 0; b < batches.size(); b++) {
                collector.beginBatch(b, tokens(b));
                block.forward(f, batches.get(b), collector, scratch).close();
            }
        }
    }

    HiddenStates copy() {
        NDManager m = manager.getParentManager().newSubManager();
        List<NDArray> out = new ArrayList<>();
        for (NDArray a : batches) {
            NDArray c = a.duplicate();
            c.attach(m);
            out.add(c);
        }
        return new HiddenStates(m, out);
    }

    long bytes() {
        long n = 0;
        for (NDArray a : batches) {
            n += a.getShape().size() * 4;
        }
        return n;
    }

    @Override
    public void close() {
        manager.close();
    }
}
