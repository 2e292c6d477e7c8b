package dev.secateur.prune.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.model.CaptureSite;
import dev.secateur.prune.model.DecoderModel;
import java.util.Set;
import java.util.TreeMap;

/**
 * Runs the dense model over the calibration windows and captures layers in groups that fit a memory budget:
 * one pass captures as many consecutive layers as fit (stopping after the last), cached until the budget needs
 * room. With a budget for all layers, one pass serves the whole pruning run.
 */
public final class ModelActivationSource implements ActivationSource {
    private final DecoderModel model;
    private final DecoderWeights weights;
    private final long[][] windows;
    private final int batchSize;
    private final int rowsPerBatch;
    private final Set<CaptureSite> sites;
    private final long seed;
    private final long budgetBytes;
    private final TreeMap<Integer, LayerActivations> cache = new TreeMap<>();
    private long held;
    private long peak;
    private int passes;
    private double forwardSeconds;

    /**
     * @param maxTokens activation rows kept per layer (token-subsampled evenly over batches)
     */
    public ModelActivationSource(DecoderModel model, DecoderWeights weights, long[][] windows, int batchSize, int maxTokens,
            Set<CaptureSite> sites, long seed, long budgetBytes) {
        this.model = model;
        this.weights = weights;
        this.windows = windows;
        this.batchSize = batchSize;
        int batches = (windows.length + batchSize - 1) / batchSize;
        int tokensPerSmallestBatch = (windows.length - (batches - 1) * batchSize) * windows[0].length;
        this.rowsPerBatch = Math.max(1, Math.min(tokensPerSmallestBatch, (maxTokens + batches - 1) / batches));
        this.sites = Set.copyOf(sites);
        this.seed = seed;
        this.budgetBytes = budgetBytes;
    }

    @Override
    public int numLayers() {
        return weights.layers().size();
    }

    @Override
    public long peakBytes() {
        return peak;
    }

    public int passes() {
        return passes;
    }

    @Override
    public double captureSeconds() {
        return forwardSeconds;
    }

    public double forwardSeconds() {
        return forwardSeconds;
    }

    public long bytesPerLayer(int layer) {
        LayerWeights l = weights.layers().get(layer);
        int hd = weights.headDim();
        long width = 0;
        int hidden = weights.config().hiddenSize();
        for (CaptureSite s : sites) {
            width += switch (s) {
                case FFN_INTERMEDIATE -> l.ffnWidth();
                case ATTENTION_HEADS -> (long) l.numHeads(hd) * hd;
                default -> hidden;
            };
        }
        int batches = (windows.length + batchSize - 1) / batchSize;
        return 4L * width * batches * rowsPerBatch;
    }

    @Override
    public LayerActivations layer(int layer) {
        LayerActivations hit = cache.get(layer);
        if (hit != null) {
            return hit;
        }
        // evict everything below the requested layer first, then anything else, until the group fits
        int to = layer + 1;
        long need = bytesPerLayer(layer);
        while (to < numLayers() && need + bytesPerLayer(to) <= budgetBytes) {
            need += bytesPerLayer(to);
            to++;
        }
        while (!cache.isEmpty() && held + need > budgetBytes) {
            Integer victim = cache.firstKey() < layer ? cache.firstKey() : cache.lastKey();
            held -= cache.remove(victim).bytes();
        }
        capture(layer, to);
        return cache.get(layer);
    }

    private void capture(int from, int to) {
        int batches = (windows.length + batchSize - 1) / batchSize;
        ActivationCollector c = new ActivationCollector(sites, from, to, batches, rowsPerBatch, seed);
        long t0 = System.nanoTime();
        try (NDManager m = NDManager.newBaseManager(model.device(), "PyTorch")) {
            for (int b = 0; b < batches; b++) {
                int s = b * batchSize, e = Math.min(windows.length, s + batchSize);
                long[][] part = java.util.Arrays.copyOfRange(windows, s, e);
                c.beginBatch(b, part.length * part[0].length);
                try (NDManager pm = m.newSubManager()) {
                    NDArray ids = pm.create(part);
                    NDArray logits = model.forward(ids, c);
                    if (logits != null) {
                        logits.close();
                    }
                }
            }
        }
        forwardSeconds += (System.nanoTime() - t0) / 1e9;
        passes++;
        int hd = weights.headDim();
        for (int l = from; l < to; l++) {
            LayerWeights lw = weights.layers().get(l);
            LayerActivations a = c.activations(l, lw.numHeads(hd), lw.numKvHeads(hd), hd);
            cache.put(l, a);
            held += a.bytes();
        }
        peak = Math.max(peak, held);
    }
}
