package dev.secateur.prune.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.ArchitectureAdapter;
import dev.secateur.model.StreamedCheckpoint;
import dev.secateur.prune.criterion.TaylorEstimates;
import dev.secateur.prune.model.BlockForward;
import dev.secateur.prune.model.DeviceBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The gradients behind LLM-Pruner's Taylor importance without holding the model: a forward pass block by block keeps each
 * block's input hidden states, the head gives ∂L/∂h at the top, and the backward pass walks the blocks in reverse,
 * re-reading each one, re-running it with autograd from its stored input and the incoming gradient (activation
 * checkpointing at block granularity), handing the block's weight gradients to {@link TaylorEstimates.Accumulator} (which
 * turns them into the block's estimates before the next block is read) and ∂L/∂x to the block below. L is the mean
 * next-token NLL over all calibration windows. With {@code fisher} each batch is run back one window at a time, so that
 * the accumulator sees every window's own gradient (their squares are the Fisher diagonal); ∂L/∂x is the same either way.
 */
final class TaylorPass {
    private TaylorPass() {
    }

    static TaylorEstimates compute(StreamedCheckpoint src, long[][] windows, int batchSize, boolean fisher, Device device,
            ProgressListener listener) {
        BlockForward f = new BlockForward(src.config());
        int layers = src.numLayers(), hd = src.headDim();
        TaylorEstimates.Accumulator acc = new TaylorEstimates.Accumulator(windows.length, fisher);
        try (NDManager root = NDManager.newBaseManager(device, "PyTorch")) {
            List<HiddenStates> inputs = new ArrayList<>();
            ArchitectureAdapter.Embeddings emb = src.embeddings();
            HiddenStates h;
            try (NDManager embedM = root.newSubManager()) {
                h = HiddenStates.embed(f, root, windows, batchSize, array(embedM, emb.tokens()),
                        emb.positions() == null ? null : array(embedM, emb.positions()));
            }
            emb = null;
            for (int l = 0; l < layers; l++) {
                inputs.add(h.copy());
                try (DeviceBlock b = DeviceBlock.load(l, src.layer(l), root)) {
                    h.advance(f, b, null);
                }
                listener.progress("gradients", 0.5 * (l + 1) / layers, "forward through layer " + l);
            }
            List<NDArray> grads = headGradients(src, f, h, windows, batchSize, root);
            h.close();
            for (int l = layers - 1; l >= 0; l--) {
                HiddenStates x = inputs.remove(l);
                try (DeviceBlock b = DeviceBlock.load(l, src.layer(l), root); NDManager next = root.newSubManager();
                        NDManager sums = root.newSubManager()) {
                    Map<String, NDArray> params = b.parameters();
                    params.values().forEach(p -> p.setRequiresGradient(true));
                    List<NDArray> below = new ArrayList<>();
                    for (int i = 0, window = 0; i < x.batches(); i++) {
                        NDArray xb = x.batch(i), gb = grads.get(i);
                        int n = Math.toIntExact(xb.getShape().get(0));
                        if (!fisher) {
                            below.add(b.backward(f, xb, gb, next));
                            add(acc, l, params, n, i, sums);
                            continue;
                        }
                        // L_batch is the mean of its windows' losses, so window k's own gradient is n × its slice of ∂L_batch/∂h
                        NDList parts = new NDList();
                        for (int k = 0; k < n; k++, window++) {
                            try (NDManager one = root.newSubManager()) {
                                NDArray xk = xb.get(k + ":" + (k + 1));
                                NDArray gSlice = gb.get(k + ":" + (k + 1));
                                NDArray gk = gSlice.mul(n);
                                gSlice.close();
                                xk.attach(one);
                                gk.attach(one);
                                parts.add(b.backward(f, xk, gk, next).div(n));
                            }
                            add(acc, l, params, 1, window, sums);
                        }
                        below.add(NDArrays.concat(parts));
                    }
                    acc.finish(l, params, hd);
                    grads.forEach(NDArray::close);
                    for (NDArray g : below) {
                        g.attach(root);
                    }
                    grads = below;
                } finally {
                    x.close();
                }
                listener.progress("gradients", 0.5 + 0.5 * (layers - l) / layers, "backward through layer " + l);
            }
            grads.forEach(NDArray::close);
        }
        return acc.result();
    }

    /** Hands the block's weight gradients of the last backward to the accumulator; libtorch accumulates them, so each is zeroed. */
    private static void add(TaylorEstimates.Accumulator acc, int layer, Map<String, NDArray> params, int windows, int index, NDManager sums) {
        Map<String, NDArray> grads = new HashMap<>();
        for (String part : TaylorEstimates.PARTS) {
            NDArray w = params.get(part);
            if (w != null) {
                grads.put(part, w.getGradient());
            }
        }
        acc.add(layer, grads, windows, index, sums);
        grads.values().forEach(g -> g.muli(0));
    }

    /** ∂L/∂h of the last hidden states, per batch, with L the batch's mean next-token NLL. */
    private static List<NDArray> headGradients(StreamedCheckpoint src, BlockForward f, HiddenStates h, long[][] windows, int batchSize,
            NDManager root) {
        ArchitectureAdapter.Head head = src.head();
        List<NDArray> out = new ArrayList<>();
        try (NDManager hm = root.newSubManager()) {
            NDArray norm = array(hm, head.norm());
            NDArray normBias = head.normBias() == null ? null : array(hm, head.normBias());
            NDArray lmHead = array(hm, head.lmHead() != null ? head.lmHead() : src.tokenEmbedding());
            NDArray lmHeadBias = head.lmHeadBias() == null ? null : array(hm, head.lmHeadBias());
            for (int b = 0; b < h.batches(); b++) {
                long[][] batch = Arrays.copyOfRange(windows, b * batchSize, Math.min(windows.length, (b + 1) * batchSize));
                int t = batch[0].length;
                try (NDManager m = root.newSubManager()) {
                    NDArray x = h.batch(b).duplicate();
                    x.attach(m);
                    x.setRequiresGradient(true);
                    try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                        NDArray logp = f.head(x, norm, normBias, lmHead, lmHeadBias).get(":, 0:" + (t - 1) + ", :").logSoftmax(2);
                        NDArray ids = m.create(batch).toType(DataType.INT64, false);
                        NDArray targets = ids.get(":, 1:").expandDims(2);
                        gc.backward(logp.gather(targets, 2).mean().neg());
                    }
                    NDArray g = x.getGradient().duplicate();
                    g.attach(root);
                    out.add(g);
                }
            }
        }
        return out;
    }

    private static NDArray array(NDManager m, Tensor t) {
        return m.create(t.data(), new ai.djl.ndarray.types.Shape(Arrays.stream(t.shape()).asLongStream().toArray()));
    }
}
