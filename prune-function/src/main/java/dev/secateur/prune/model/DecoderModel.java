package dev.secateur.prune.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import dev.secateur.checkpoint.Architecture;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A decoder-only language model (Llama, Mistral, Qwen2, Qwen3, Phi-3, Gemma 2, GPT-2) on DJL's PyTorch engine, computing exactly what
 * Hugging Face's modeling code computes, in float32. It reads top to bottom: {@link #forward} embeds,
 * runs each {@link #block}, normalises and projects to the vocabulary.
 *
 * <p>Sizes come from each layer's weights (a pruned model has a different head count and FFN width per
 * layer); only head_dim, norms, rotary settings and the activation come from config.json.
 *
 * <p>The weights live in this model's NDManager and are exposed by {@link #parameters()} so that a training
 * step can set requiresGradient on them and run {@link #forward} inside a GradientCollector: the forward
 * uses only differentiable NDArray ops. Each forward pass gets its own sub-manager, closed on return, so a
 * long evaluation frees every intermediate; only the logits outlive it, moved to the input's manager.
 */
public final class DecoderModel implements AutoCloseable {
    private final ModelConfig config;
    private final Device device;
    private final NDManager manager;
    private final NDArray tokenEmbedding;
    private final NDArray positionEmbedding;
    private final List<LayerArrays> layers;
    private final NDArray finalNorm;
    private final NDArray finalNormBias;
    private final NDArray lmHead;
    private final NDArray lmHeadBias;
    private final boolean tied;
    private final BlockForward f;

    public DecoderModel(DecoderWeights w, Device device) {
        this.config = w.config();
        this.device = device;
        this.f = new BlockForward(config);
        this.manager = NDManager.newBaseManager(device, "PyTorch");
        try {
            this.tokenEmbedding = array(w.tokenEmbedding());
            this.positionEmbedding = w.positionEmbedding() == null ? null : array(w.positionEmbedding());
            List<LayerArrays> ls = new ArrayList<>();
            for (LayerWeights l : w.layers()) {
                ls.add(LayerArrays.of(l, this::array));
            }
            this.layers = Collections.unmodifiableList(ls);
            this.finalNorm = array(w.finalNorm());
            this.finalNormBias = w.finalNormBias() == null ? null : array(w.finalNormBias());
            // Tied embeddings stay one array, so that a gradient reaches both uses of it.
            this.tied = w.tied();
            this.lmHead = tied ? tokenEmbedding : array(w.lmHead());
            this.lmHeadBias = w.lmHeadBias() == null ? null : array(w.lmHeadBias());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public static DecoderModel load(Path dir, Device device) {
        return new DecoderModel(DecoderWeights.load(dir), device);
    }

    private NDArray array(Tensor t) {
        return manager.create(t.data(), new Shape(Arrays.stream(t.shape()).asLongStream().toArray()));
    }

    /**
     * Runs the model on a batch of token ids.
     *
     * @param inputIds [batch, seq] token ids (any integer type, any device; copied to this model's device)
     * @param capture sees activations at the sites it {@link ForwardCapture#wants}; may stop the pass early
     * @return logits [batch, seq, vocab] float32, attached to inputIds' manager; null when the capture stopped
     *     the pass early with {@link ForwardCapture#stopAfter}
     */
    public NDArray forward(NDArray inputIds, ForwardCapture capture) {
        Shape shape = inputIds.getShape();
        if (shape.dimension() != 2 || shape.get(0) < 1 || shape.get(1) < 1) {
            throw new IllegalArgumentException("input ids must be [batch, seq] with both ≥ 1, got " + shape);
        }
        int seq = Math.toIntExact(shape.get(1));
        NDManager caller = inputIds.getManager();
        try (NDManager pass = manager.newSubManager()) {
            NDArray ids = inputIds.toDevice(device, true);
            ids.attach(pass);
            ids = ids.toType(DataType.INT64, false);

            NDArray x = f.embed(ids, tokenEmbedding, positionEmbedding, pass);
            BlockForward.Context ctx = f.context(pass, seq);
            for (int i = 0; i < layers.size(); i++) {
                x = f.block(i, layers.get(i), x, ctx, capture);
                if (capture.stopAfter(i)) {
                    return null;
                }
            }
            NDArray logits = f.head(x, finalNorm, finalNormBias, lmHead, lmHeadBias);
            logits.attach(caller);
            return logits;
        }
    }

    /**
     * The weight arrays by canonical name: tokenEmbedding, positionEmbedding, layers.{i}.{component of
     * LayerWeights, e.g. q, qBias, down}, finalNorm, finalNormBias, lmHead (absent when tied to the
     * embedding), lmHeadBias (Phi). Absent optional weights are omitted. These are the live arrays, not copies.
     */
    public Map<String, NDArray> parameters() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put("tokenEmbedding", tokenEmbedding);
        putIfPresent(out, "positionEmbedding", positionEmbedding);
        for (int i = 0; i < layers.size(); i++) {
            String prefix = "layers." + i + ".";
            layers.get(i).byName().forEach((name, a) -> out.put(prefix + name, a));
        }
        out.put("finalNorm", finalNorm);
        putIfPresent(out, "finalNormBias", finalNormBias);
        if (!tied) {
            out.put("lmHead", lmHead);
        }
        putIfPresent(out, "lmHeadBias", lmHeadBias);
        return Collections.unmodifiableMap(out);
    }

    private static void putIfPresent(Map<String, NDArray> out, String name, NDArray a) {
        if (a != null) {
            out.put(name, a);
        }
    }

    /** The current weights copied back to the heap, e.g. after training, for pruning or saving. */
    public DecoderWeights toWeights() {
        Tensor embed = tensor(tokenEmbedding);
        List<LayerWeights> ls = layers.stream().map(l -> l.toWeights(DecoderModel::tensor)).toList();
        return new DecoderWeights(config, embed, positionEmbedding == null ? null : tensor(positionEmbedding), ls,
                tensor(finalNorm), finalNormBias == null ? null : tensor(finalNormBias), tied ? embed : tensor(lmHead),
                lmHeadBias == null ? null : tensor(lmHeadBias));
    }

    private static Tensor tensor(NDArray a) {
        int[] shape = Arrays.stream(a.getShape().getShape()).mapToInt(Math::toIntExact).toArray();
        return new Tensor(shape, a.toFloatArray());
    }

    public ModelConfig config() {
        return config;
    }

    public Device device() {
        return device;
    }

    public int numLayers() {
        return layers.size();
    }

    public int vocabSize() {
        return Math.toIntExact(lmHead.getShape().get(0));
    }

    @Override
    public void close() {
        manager.close();
    }
}
