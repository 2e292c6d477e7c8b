package dev.secateur.prune.calibration;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.prune.mi.TokenSubsample;
import dev.secateur.prune.model.CaptureSite;
import dev.secateur.prune.model.ForwardCapture;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Captures the wanted sites of layers [from, to) into fixed-size buffers: from each batch the same seeded
 * subset of token rows for every site and layer, so rows line up across sites. Ends the pass after layer to−1.
 * Batches may keep different numbers of rows (padded sentence batches differ in real tokens).
 */
public final class ActivationCollector implements ForwardCapture {
    private final Set<CaptureSite> sites;
    private final int from;
    private final int to;
    private final int[] counts;
    private final int[] offsets;
    private final int total;
    private final int batches;
    private final long seed;
    private final Map<Integer, Map<CaptureSite, float[]>> buffers = new HashMap<>();
    private final Map<Integer, Map<CaptureSite, Integer>> widths = new HashMap<>();
    private int batch = -1;
    private long[] rows;
    private long bytes;

    public ActivationCollector(Set<CaptureSite> sites, int from, int to, int batches, int rowsPerBatch, long seed) {
        this(sites, from, to, uniform(batches, rowsPerBatch), seed);
    }

    /** @param rowsPerBatch rows kept from each batch, by batch index */
    public ActivationCollector(Set<CaptureSite> sites, int from, int to, int[] rowsPerBatch, long seed) {
        this.sites = Set.copyOf(sites);
        this.from = from;
        this.to = to;
        this.batches = rowsPerBatch.length;
        this.counts = rowsPerBatch.clone();
        this.offsets = new int[batches];
        int sum = 0;
        for (int b = 0; b < batches; b++) {
            offsets[b] = sum;
            sum += counts[b];
        }
        this.total = sum;
        this.seed = seed;
    }

    private static int[] uniform(int batches, int rows) {
        int[] out = new int[batches];
        java.util.Arrays.fill(out, rows);
        return out;
    }

    /** Call before each forward pass with the batch index and its token count (batch × seq). */
    public void beginBatch(int index, int tokens) {
        beginBatch(index, tokens, null);
    }

    /**
     * As {@link #beginBatch(int, int)} for a padded batch: rows are drawn from {@code realRows} (flat indices of the
     * batch's real tokens), so padding never reaches the statistics; null means every one of the {@code tokens} is real.
     */
    public void beginBatch(int index, int tokens, int[] realRows) {
        int n = realRows == null ? tokens : realRows.length;
        if (n < counts[index]) {
            throw new IllegalArgumentException("batch " + index + " has " + n + " tokens, fewer than the " + counts[index]
                    + " kept from it");
        }
        batch = index;
        int[] r = TokenSubsample.indices(n, counts[index], seed * 1_000_003L + index);
        rows = new long[r.length];
        for (int i = 0; i < r.length; i++) {
            rows[i] = realRows == null ? r[i] : realRows[r[i]];
        }
    }

    @Override
    public boolean wants(CaptureSite site, int layer) {
        return layer >= from && layer < to && sites.contains(site);
    }

    @Override
    public void record(CaptureSite site, int layer, NDArray value) {
        long tokens = value.getShape().get(0) * value.getShape().get(1);
        int width = Math.toIntExact(value.getShape().size() / tokens);
        float[] chunk;
        try (NDManager m = value.getManager().newSubManager()) {
            NDArray flat = value.reshape(tokens, width);
            NDArray idx = m.create(rows);
            NDArray picked = flat.get(idx);
            flat.attach(m);
            picked.attach(m);
            chunk = picked.toFloatArray();
        }
        float[] buf = buffers.computeIfAbsent(layer, k -> new EnumMap<>(CaptureSite.class)).computeIfAbsent(site, s -> {
            bytes += 4L * total * width;
            return new float[total * width];
        });
        widths.computeIfAbsent(layer, k -> new EnumMap<>(CaptureSite.class)).put(site, width);
        System.arraycopy(chunk, 0, buf, offsets[batch] * width, chunk.length);
    }

    @Override
    public boolean stopAfter(int layer) {
        return layer >= to - 1;
    }

    public long bytes() {
        return bytes;
    }

    /** One captured site of a layer as [rows, width], or null when it was not captured. */
    public Tensor matrix(int layer, CaptureSite site) {
        float[] b = buffers.getOrDefault(layer, Map.of()).get(site);
        return b == null ? null : new Tensor(new int[] {total, widths.get(layer).get(site)}, b);
    }

    public LayerActivations activations(int layer, int numHeads, int numKvHeads, int headDim) {
        Map<CaptureSite, float[]> b = buffers.getOrDefault(layer, Map.of());
        Map<CaptureSite, Integer> w = widths.getOrDefault(layer, Map.of());
        int n = total;
        java.util.function.Function<CaptureSite, Tensor> t = s -> b.containsKey(s) ? new Tensor(new int[] {n, w.get(s)}, b.get(s)) : null;
        return new LayerActivations(layer, numHeads, numKvHeads, headDim, t.apply(CaptureSite.FFN_INTERMEDIATE),
                t.apply(CaptureSite.FFN_INPUT), t.apply(CaptureSite.ATTENTION_HEADS), t.apply(CaptureSite.BLOCK_INPUT),
                t.apply(CaptureSite.BLOCK_OUTPUT));
    }
}
