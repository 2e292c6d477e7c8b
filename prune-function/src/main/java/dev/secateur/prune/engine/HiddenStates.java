package dev.secateur.prune.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.secateur.prune.calibration.ActivationCollector;
import dev.secateur.prune.model.BlockForward;
import dev.secateur.prune.model.BlockMath;
import dev.secateur.prune.model.DeviceBlock;
import dev.secateur.prune.model.ForwardCapture;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The residual stream of a set of token batches between two blocks, one [batch, seq, hidden] array per batch, on
 * the pruning device, with each batch's attention mask when it is padded (encoder sentences). It is carried from
 * block to block; nothing of a block outlives the step that used it.
 */
final class HiddenStates implements AutoCloseable {
    /** Turns int64 token ids [B, T] into the first block's input; intermediates go to {@code pass}. */
    @FunctionalInterface
    interface Embedder {
        NDArray embed(NDArray ids, NDManager pass);
    }

    private final NDManager manager;
    private final List<NDArray> batches;
    /** Per batch: [B, T] float mask, or null when every token is real. */
    private final List<NDArray> masks;
    /** Per batch: flat indices of the real tokens, or null when every token is real. */
    private final List<int[]> realRows;

    private HiddenStates(NDManager manager, List<NDArray> batches, List<NDArray> masks, List<int[]> realRows) {
        this.manager = manager;
        this.batches = batches;
        this.masks = masks;
        this.realRows = realRows;
    }

    /** Embeds the batches. */
    static HiddenStates embed(NDManager parent, List<TokenBatch> inputs, Embedder embedder) {
        NDManager m = parent.newSubManager();
        List<NDArray> out = new ArrayList<>(), masks = new ArrayList<>();
        List<int[]> rows = new ArrayList<>();
        for (TokenBatch batch : inputs) {
            try (NDManager pass = parent.newSubManager()) {
                NDArray ids = pass.create(batch.ids()).toType(DataType.INT64, false);
                NDArray x = embedder.embed(ids, pass);
                x.attach(m);
                out.add(x);
            }
            masks.add(batch.mask() == null ? null : m.create(batch.floatMask()));
            rows.add(batch.realRows());
        }
        return new HiddenStates(m, out, masks, rows);
    }

    /** A decoder's windows in batches of {@code batchSize}, embedded by token (and, for GPT-2, learned position). */
    static HiddenStates embed(BlockForward f, NDManager parent, long[][] windows, int batchSize, NDArray tokens, NDArray positions) {
        return embed(parent, windowBatches(windows, batchSize), (ids, pass) -> f.embed(ids, tokens, positions, pass));
    }

    static List<TokenBatch> windowBatches(long[][] windows, int batchSize) {
        List<TokenBatch> out = new ArrayList<>();
        for (int s = 0; s < windows.length; s += batchSize) {
            out.add(new TokenBatch(Arrays.copyOfRange(windows, s, Math.min(windows.length, s + batchSize)), null));
        }
        return out;
    }

    int batches() {
        return batches.size();
    }

    /** Real (unpadded) tokens in batch {@code b}. */
    int tokens(int b) {
        int[] rows = realRows.get(b);
        return rows != null ? rows.length : Math.toIntExact(batches.get(b).getShape().get(0) * batches.get(b).getShape().get(1));
    }

    NDArray batch(int b) {
        return batches.get(b);
    }

    /** Batch {@code b}'s [B, T] mask (1 = real token), or null when it has no padding. */
    NDArray mask(int b) {
        return masks.get(b);
    }

    /** Replaces every batch by its output through the block, letting {@code collector} (may be null) see the activations. */
    void advance(BlockMath f, DeviceBlock block, ActivationCollector collector) {
        for (int b = 0; b < batches.size(); b++) {
            ForwardCapture capture = ForwardCapture.NONE;
            if (collector != null) {
                begin(collector, b);
                capture = collector;
            }
            NDArray old = batches.get(b);
            batches.set(b, block.forward(f, old, masks.get(b), capture, manager));
            old.close();
        }
    }

    /** Runs the block for its activations only; the states stay as they were. */
    void observe(BlockMath f, DeviceBlock block, ActivationCollector collector) {
        try (NDManager scratch = manager.newSubManager()) {
            for (int b = 0; b < batches.size(); b++) {
                begin(collector, b);
                block.forward(f, batches.get(b), masks.get(b), collector, scratch).close();
            }
        }
    }

    private void begin(ActivationCollector collector, int b) {
        NDArray x = batches.get(b);
        collector.beginBatch(b, Math.toIntExact(x.getShape().get(0) * x.getShape().get(1)), realRows.get(b));
    }

    HiddenStates copy() {
        NDManager m = manager.getParentManager().newSubManager();
        List<NDArray> out = new ArrayList<>(), masksCopy = new ArrayList<>();
        for (int b = 0; b < batches.size(); b++) {
            out.add(duplicate(batches.get(b), m));
            masksCopy.add(masks.get(b) == null ? null : duplicate(masks.get(b), m));
        }
        return new HiddenStates(m, out, masksCopy, realRows);
    }

    /** A copy holding only these channels of the last axis (the residual stream of a hidden-pruned model). */
    HiddenStates keepChannels(int[] channels) {
        NDManager m = manager.getParentManager().newSubManager();
        List<NDArray> out = new ArrayList<>(), masksCopy = new ArrayList<>();
        try (NDManager scratch = manager.newSubManager()) {
            NDArray idx = scratch.create(channels);
            for (int b = 0; b < batches.size(); b++) {
                NDArray x = batches.get(b);
                // lent to the scratch manager, so the transposed intermediates go with it
                x.tempAttach(scratch);
                NDArray picked = x.transpose(2, 0, 1).get(idx).transpose(1, 2, 0).duplicate();
                picked.attach(m);
                out.add(picked);
                masksCopy.add(masks.get(b) == null ? null : duplicate(masks.get(b), m));
            }
        }
        return new HiddenStates(m, out, masksCopy, realRows);
    }

    private static NDArray duplicate(NDArray a, NDManager into) {
        NDArray c = a.duplicate();
        c.attach(into);
        return c;
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
