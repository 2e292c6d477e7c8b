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
 * A decoder-only language model (Llama, Qwen2, GPT-2) on DJL's PyTorch engine, computing exactly what
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
    private final boolean tied;
    private final int headDim;
    private final float eps;
    private final boolean layerNorm;
    private final boolean geluMlp;
    private final Rope rope;

    public DecoderModel(DecoderWeights w, Device device) {
        this.config = w.config();
        this.device = device;
        this.headDim = w.headDim();
        this.eps = (float) config.normEps();
        this.layerNorm = config.architecture() == Architecture.GPT2;
        this.geluMlp = activationIsGelu(config);
        this.rope = config.usesRope() ? new Rope(headDim, config.ropeTheta(), config.ropeScaling()) : null;
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
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public static DecoderModel load(Path dir, Device device) {
        return new DecoderModel(DecoderWeights.load(dir), device);
    }

    /** silu for Llama/Qwen2's gated MLP, gelu_new (= gelu_pytorch_tanh) for GPT-2; anything else is refused. */
    private static boolean activationIsGelu(ModelConfig c) {
        return switch (c.hiddenAct()) {
            case "silu", "swish" -> false;
            case "gelu_new", "gelu_pytorch_tanh" -> true;
            default -> throw new IllegalArgumentException("activation '" + c.hiddenAct()
                    + "' is not supported (supported: silu, gelu_new, gelu_pytorch_tanh)");
        };
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
        if (positionEmbedding != null && seq > positionEmbedding.getShape().get(0)) {
            throw new IllegalArgumentException("sequence of " + seq + " tokens exceeds the model's "
                    + positionEmbedding.getShape().get(0) + " learned positions");
        }
        NDManager caller = inputIds.getManager();
        try (NDManager pass = manager.newSubManager()) {
            NDArray ids = inputIds.toDevice(device, true);
            ids.attach(pass);
            ids = ids.toType(DataType.INT64, false);

            NDArray x = embed(ids, pass, seq);
            NDArray mask = Ops.causalMask(pass, seq);
            NDArray[] cosSin = rope == null ? null : rope.tables(pass, seq);
            for (int i = 0; i < layers.size(); i++) {
                x = block(i, x, mask, cosSin, capture);
                if (capture.stopAfter(i)) {
                    return null;
                }
            }
            NDArray logits = Ops.linear(norm(x, finalNorm, finalNormBias), lmHead, null);
            logits.attach(caller);
            return logits;
        }
    }

    /** Token embeddings, plus learned positions for GPT-2 (rotary models add positions inside attention). */
    private NDArray embed(NDArray ids, NDManager pass, int seq) {
        NDArray x = Embedding.embedding(ids, tokenEmbedding, SparseFormat.DENSE).singletonOrThrow();
        if (positionEmbedding != null) {
            NDArray positions = pass.arange(0, seq, 1, DataType.INT64);
            x = x.add(Embedding.embedding(positions, positionEmbedding, SparseFormat.DENSE).singletonOrThrow());
        }
        return x;
    }

    /** A pre-norm block: x + attention(norm(x)), then h + mlp(norm(h)). */
    private NDArray block(int i, NDArray x, NDArray mask, NDArray[] cosSin, ForwardCapture capture) {
        LayerArrays l = layers.get(i);
        offer(capture, CaptureSite.BLOCK_INPUT, i, x);
        NDArray h = x.add(attention(i, l, norm(x, l.attnNorm(), l.attnNormBias()), mask, cosSin, capture));
        NDArray ffnInput = norm(h, l.mlpNorm(), l.mlpNormBias());
        offer(capture, CaptureSite.FFN_INPUT, i, ffnInput);
        NDArray out = h.add(mlp(i, l, ffnInput, capture));
        offer(capture, CaptureSite.BLOCK_OUTPUT, i, out);
        return out;
    }

    private NDArray norm(NDArray x, NDArray weight, NDArray bias) {
        return layerNorm ? Ops.layerNorm(x, weight, bias, eps) : Ops.rmsNorm(x, weight, eps);
    }

    /** Multi-head (or grouped-query) causal self-attention; head counts from this layer's q/k rows. */
    private NDArray attention(int i, LayerArrays l, NDArray x, NDArray mask, NDArray[] cosSin, ForwardCapture capture) {
        long b = x.getShape().get(0), t = x.getShape().get(1);
        NDArray q = heads(Ops.linear(x, l.q(), l.qBias()), b, t);
        NDArray k = heads(Ops.linear(x, l.k(), l.kBias()), b, t);
        NDArray v = heads(Ops.linear(x, l.v(), l.vBias()), b, t);
        if (cosSin != null) {
            q = Ops.applyRope(q, cosSin[0], cosSin[1]);
            k = Ops.applyRope(k, cosSin[0], cosSin[1]);
        }
        NDArray perHead = Ops.attention(q, k, v, mask).transpose(0, 2, 1, 3); // [B, T, heads, headDim]
        offer(capture, CaptureSite.ATTENTION_HEADS, i, perHead);
        return Ops.linear(perHead.reshape(b, t, -1), l.o(), l.oBias());
    }

    /** [B, T, n·headDim] → [B, n, T, headDim]. */
    private NDArray heads(NDArray x, long b, long t) {
        return x.reshape(b, t, -1, headDim).transpose(0, 2, 1, 3);
    }

    /** SwiGLU (silu(gate)·up) when the layer has a gate, else GPT-2's gelu_new(up); then down. */
    private NDArray mlp(int i, LayerArrays l, NDArray x, ForwardCapture capture) {
        NDArray up = Ops.linear(x, l.up(), l.upBias());
        NDArray inner;
        if (l.gate() != null) {
            NDArray gate = Ops.linear(x, l.gate(), l.gateBias());
            inner = (geluMlp ? Ops.geluNew(gate) : Ops.silu(gate)).mul(up);
        } else {
            inner = geluMlp ? Ops.geluNew(up) : Ops.silu(up);
        }
        offer(capture, CaptureSite.FFN_INTERMEDIATE, i, inner);
        return Ops.linear(inner, l.down(), l.downBias());
    }

    private static void offer(ForwardCapture capture, CaptureSite site, int layer, NDArray value) {
        if (capture.wants(site, layer)) {
            capture.record(site, layer, value);
        }
    }

    /**
     * The weight arrays by canonical name: tokenEmbedding, positionEmbedding, layers.{i}.{component of
     * LayerWeights, e.g. q, qBias, down}, finalNorm, finalNormBias, lmHead (absent when tied to the
     * embedding). Absent optional weights are omitted. These are the live arrays, not copies.
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
                tensor(finalNorm), finalNormBias == null ? null : tensor(finalNormBias), tied ? embed : tensor(lmHead));
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
