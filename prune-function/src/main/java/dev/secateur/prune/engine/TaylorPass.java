package dev.secateur.prune.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.ArchitectureAdapter;
import dev.secateur.model.StreamedCheckpoint;
import dev.secateur.prune.criterion.TaylorCriterion;
import dev.secateur.prune.model.BlockForward;
import dev.secateur.prune.model.DeviceBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * LLM-Pruner's first-order Taylor importance without holding the model: a forward pass block by block keeps each
 * block's input hidden states, the head gives ∂L/∂h at the top, and the backward pass walks the blocks in reverse,
 * re-reading each one, re-running it with autograd from its stored input and the incoming gradient (activation
 * checkpointing at block granularity), accumulating Σ g∘W for its units and handing ∂L/∂x to the block below.
 * L is the mean next-token NLL of each calibration batch, as in {@link TaylorCriterion}.
 */
final class TaylorPass {
    private TaylorPass() {
    }

    static TaylorCriterion compute(StreamedCheckpoint src, long[][] windows, int batchSize, Device device, ProgressListener listener) {
        BlockForward f = new BlockForward(src.config());
        int layers = src.numLayers(), hd = src.headDim();
        TaylorCriterion.Accumulator acc = new TaylorCriterion.Accumulator();
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
                try (DeviceBlock b = DeviceBlock.load(l, src.layer(l), root); NDManager next = root.newSubManager()) {
                    Map<String, NDArray> params = b.parameters();
                    params.values().forEach(p -> p.setRequiresGradient(true));
                    List<NDArray> below = new ArrayList<>();
                    for (int i = 0; i < x.batches(); i++) {
                        below.add(b.backward(f, x.batch(i), grads.get(i), next));
                        try (NDManager m = root.newSubManager()) {
                            Map<String, NDArray> products = new HashMap<>();
                            for (String part : TaylorCriterion.PARTS) {
                                NDArray w = params.get(part);
                                if (w != null) {
                                    NDArray grad = w.getGradient();
                                    NDArray prod = grad.mul(w);
                                    prod.attach(m);
                                    products.put(part, prod);
                                    grad.muli(0); // libtorch accumulates gradients: every batch starts from zero
                                }
                            }
                            acc.add(l, products, hd, m);
                        }
                    }
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
        }
        return acc.result();
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
            for (int b = 0; b < h.batches(); b++) {
                long[][] batch = Arrays.copyOfRange(windows, b * batchSize, Math.min(windows.length, (b + 1) * batchSize));
                int t = batch[0].length;
                try (NDManager m = root.newSubManager()) {
                    NDArray x = h.batch(b).duplicate();
                    x.attach(m);
                    x.setRequiresGradient(true);
                    try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                        NDArray logp = f.head(x, norm, normBias, lmHead).get(":, 0:" + (t - 1) + ", :").logSoftmax(2);
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
