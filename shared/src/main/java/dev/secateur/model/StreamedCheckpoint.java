package dev.secateur.model;

import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.DType;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.nio.file.Path;
import java.util.List;

/**
 * A decoder checkpoint read part by part from its memory-mapped safetensors: nothing is cached, so a caller that
 * walks it block by block holds one block (widened to float32) at a time, whatever the model's size. Shapes are
 * checked against config.json when a part is read, naming the file and tensor at fault.
 */
public final class StreamedCheckpoint implements DecoderSource, AutoCloseable {
    private final Checkpoint ck;
    private final ArchitectureAdapter adapter;
    private final List<LayerSizes> sizes;

    private StreamedCheckpoint(Checkpoint ck) {
        this.ck = ck;
        this.adapter = ArchitectureAdapter.of(ck.config());
        // every block's shapes are checked before any work starts, so a bad checkpoint fails in seconds
        this.sizes = java.util.stream.IntStream.range(0, ck.config().numLayers()).mapToObj(i -> adapter.layerSizes(ck, i)).toList();
    }

    public static StreamedCheckpoint open(Path dir) {
        Checkpoint ck = Checkpoint.open(dir);
        try {
            return new StreamedCheckpoint(ck);
        } catch (RuntimeException e) {
            ck.close();
            throw e;
        }
    }

    public Path dir() {
        return ck.dir();
    }

    public ArchitectureAdapter adapter() {
        return adapter;
    }

    /** The dtype most of the weights are stored in (the first block's up projection's), to write back in kind. */
    public DType storedDType() {
        return ck.names().stream().filter(n -> n.contains("mlp") && n.endsWith("weight")).findFirst()
                .map(ck::dtype).orElse(DType.F32);
    }

    @Override
    public ModelConfig config() {
        return ck.config();
    }

    @Override
    public int numLayers() {
        return sizes.size();
    }

    @Override
    public LayerWeights layer(int i) {
        return adapter.readLayer(ck, i);
    }

    @Override
    public LayerSizes layerSizes(int i) {
        return sizes.get(i);
    }

    @Override
    public List<LayerSizes> layerSizes() {
        return sizes;
    }

    /** The embedding tables, read whole (to be written and exported): refused up front when the heap cannot hold them. */
    public ArchitectureAdapter.Embeddings embeddings() {
        requireHeapFor(adapter.tokenEmbeddingName(ck), "token embedding");
        return adapter.readEmbeddings(ck);
    }

    public ArchitectureAdapter.Head head() {
        if (!adapter.tied(ck)) {
            requireHeapFor(adapter.lmHeadName(ck), "output projection (lm_head)");
        }
        return adapter.readHead(ck, true);
    }

    /**
     * A 256k vocabulary's table is larger than a block (Gemma-2-2B: 590 M values, 2.4 GB as floats) and is held whole
     * when written and exported, so a heap too small for it would fail with a bare OutOfMemoryError: say what is
     * needed instead.
     */
    private void requireHeapFor(String tensor, String what) {
        long bytes = Tensor.numel(ck.shape(tensor)) * Float.BYTES;
        long max = Runtime.getRuntime().maxMemory();
        if (max != Long.MAX_VALUE && bytes > max * 0.9) {
            throw new dev.secateur.checkpoint.CheckpointException(ck.dir() + ": the " + what + " (" + tensor + ", "
                    + java.util.Arrays.toString(ck.shape(tensor)) + ") is read whole as floats to be written and exported: "
                    + String.format(java.util.Locale.ROOT, "%.2f GB, more than this JVM's heap of %.2f GB allows; run with a larger heap, ",
                    bytes / 1e9, max / 1e9) + "e.g. JAVA_OPTS=-Xmx" + (long) Math.ceil(bytes * 1.5 / (1L << 30)) + "g");
        }
    }

    /** Rows of the token embedding for these token ids (an embedding lookup without reading the whole table). */
    public Tensor tokenEmbeddingRows(int[] ids) {
        return ck.rows(adapter.tokenEmbeddingName(ck), ids);
    }

    /** Rows [from, to) of the output projection ([vocab, hidden]; the token embedding when tied). */
    public Tensor lmHeadRows(int from, int to) {
        return ck.rows(adapter.lmHeadName(ck), java.util.stream.IntStream.range(from, to).toArray());
    }

    /** Rows of the output projection for these token ids. */
    public Tensor lmHeadRows(int[] ids) {
        return ck.rows(adapter.lmHeadName(ck), ids);
    }

    /** The final norm (and bias) without the output projection, which callers read in pieces. */
    public ArchitectureAdapter.Head headWithoutProjection() {
        return adapter.readHead(ck, false);
    }

    @Override
    public Tensor tokenEmbedding() {
        return embeddings().tokens();
    }

    @Override
    public Tensor positionEmbedding() {
        return adapter.readPositions(ck);
    }

    @Override
    public Tensor finalNorm() {
        return headWithoutProjection().norm();
    }

    @Override
    public Tensor finalNormBias() {
        return headWithoutProjection().normBias();
    }

    @Override
    public Tensor lmHead() {
        Tensor h = head().lmHead();
        return h == null ? tokenEmbedding() : h;
    }

    @Override
    public Tensor lmHeadBias() {
        return headWithoutProjection().lmHeadBias();
    }

    @Override
    public boolean tied() {
        return adapter.tied(ck);
    }

    /** A norm's bias: StableLM's and GPT-NeoX's *layernorm.bias / *norm.bias, GPT-2's ln_1.bias, ln_f.bias. */
    private static final java.util.regex.Pattern NORM_BIAS = java.util.regex.Pattern.compile(".*(norm|ln_\\w+)\\.bias");

    /**
     * Stored weights counted from their shapes, as {@link DecoderWeights#parameterCount()} counts them: a second copy of a
     * tied head, saved buffers (GPT-2's and GPT-NeoX's masks, rotary inv_freq) and all-zero biases (which read as absent) are not
     * parameters; a LayerNorm's bias is one whatever its values (it is read as it is, since it makes the norm a LayerNorm).
     */
    @Override
    public long parameterCount() {
        boolean tied = tied();
        long n = 0;
        for (String name : ck.names()) {
            boolean buffer = dev.secateur.checkpoint.SafetensorsReader.isBuffer(name);
            boolean normBias = NORM_BIAS.matcher(name).matches();
            if (!buffer && !(tied && name.equals("lm_head.weight"))
                    && !(name.endsWith(".bias") && !normBias && allZero(ck.tensor(name)))) {
                n += Tensor.numel(ck.shape(name));
            }
        }
        return n;
    }

    private static boolean allZero(Tensor t) {
        for (float v : t.data()) {
            if (v != 0f) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        ck.close();
    }
}
