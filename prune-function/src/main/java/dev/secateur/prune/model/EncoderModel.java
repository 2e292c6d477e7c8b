package dev.secateur.prune.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import dev.secateur.checkpoint.Architecture;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.EncoderLayerWeights;
import dev.secateur.model.EncoderWeights;
import dev.secateur.tokenizer.SentenceTokenizer.Batch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BERT-family encoder (BertModel: BERT, MiniLM, ...) on DJL's PyTorch engine, float32, computing what
 * Hugging Face's BertModel computes: word + position + token-type embeddings → LayerNorm, then post-LN
 * blocks (a = LN(x + attention(x)); y = LN(a + down(gelu(up(a)))) with the exact erf GELU), padding masked
 * out of attention; plus the sentence-transformers sentence embedding (mean over real tokens, L2-normalised).
 *
 * <p>Capture sites are the decoder's, so the pruning criteria run unchanged: BLOCK_INPUT (x), ATTENTION_HEADS
 * (per-head context before attention.output.dense, [B, T, heads, headDim]), FFN_INPUT (a, the input of
 * intermediate.dense), FFN_INTERMEDIATE (gelu(up(a)), the input of output.dense) and BLOCK_OUTPUT (y).
 * Captured arrays include padded positions: calibrate with unpadded batches (one sentence, or sentences of
 * equal length, per batch) so that statistics see only real tokens.
 */
public final class EncoderModel implements AutoCloseable {
    private static final float MASKED = -Float.MAX_VALUE;
    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));

    private final EncoderWeights weights;
    private final Device device;
    private final NDManager manager;
    private final NDArray word;
    private final NDArray position;
    private final NDArray tokenType;
    private final NDArray embNorm;
    private final NDArray embNormBias;
    private final List<Map<String, NDArray>> layers;
    private final int headDim;
    private final float eps;

    public EncoderModel(EncoderWeights w, Device device) {
        if (w.config().architecture() != Architecture.BERT) {
            throw new IllegalArgumentException("EncoderModel runs BertModel encoders, not " + w.config().architecture().hfName());
        }
        this.weights = w;
        this.device = device;
        this.headDim = w.headDim();
        this.eps = (float) w.normEps();
        this.manager = NDManager.newBaseManager(device, "PyTorch");
        try {
            word = array(w.wordEmbedding());
            position = array(w.positionEmbedding());
            tokenType = array(w.tokenTypeEmbedding());
            embNorm = array(w.embNorm());
            embNormBias = array(w.embNormBias());
            List<Map<String, NDArray>> ls = new ArrayList<>();
            for (EncoderLayerWeights l : w.layers()) {
                Map<String, NDArray> m = new LinkedHashMap<>();
                for (var c : EncoderLayerWeights.class.getRecordComponents()) {
                    m.put(c.getName(), array((Tensor) c.getAccessor().invoke(l)));
                }
                ls.add(Collections.unmodifiableMap(m));
            }
            layers = Collections.unmodifiableList(ls);
        } catch (ReflectiveOperationException e) {
            manager.close();
            throw new IllegalStateException(e);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private NDArray array(Tensor t) {
        return manager.create(t.data(), new Shape(Arrays.stream(t.shape()).asLongStream().toArray()));
    }

    /** The model's outputs, attached to the caller's manager (the input ids' manager). */
    public record Output(NDArray lastHiddenState, NDArray sentenceEmbedding) implements AutoCloseable {
        @Override
        public void close() {
            lastHiddenState.close();
            sentenceEmbedding.close();
        }
    }

    /**
     * @param inputIds, attentionMask, tokenTypeIds [batch, seq] integers; tokenTypeIds may be null (all 0)
     * @return null when the capture stopped the pass early
     */
    public Output forward(NDArray inputIds, NDArray attentionMask, NDArray tokenTypeIds, ForwardCapture capture) {
        Shape shape = inputIds.getShape();
        if (shape.dimension() != 2 || shape.get(0) < 1 || shape.get(1) < 1) {
            throw new IllegalArgumentException("input ids must be [batch, seq] with both ≥ 1, got " + shape);
        }
        if (!attentionMask.getShape().equals(shape) || (tokenTypeIds != null && !tokenTypeIds.getShape().equals(shape))) {
            throw new IllegalArgumentException("attention_mask " + attentionMask.getShape() + " and token_type_ids "
                    + (tokenTypeIds == null ? "-" : tokenTypeIds.getShape()) + " must match input_ids " + shape);
        }
        long b = shape.get(0);
        int seq = Math.toIntExact(shape.get(1));
        if (seq > position.getShape().get(0)) {
            throw new IllegalArgumentException("sequence of " + seq + " tokens exceeds the model's " + position.getShape().get(0) + " positions");
        }
        NDManager caller = inputIds.getManager();
        try (NDManager pass = manager.newSubManager()) {
            NDArray ids = onDevice(inputIds, pass);
            NDArray mask = onDevice(attentionMask, pass).toType(DataType.FLOAT32, false);
            NDArray types = tokenTypeIds == null ? ids.zerosLike() : onDevice(tokenTypeIds, pass);

            NDArray x = Embedding.embedding(ids, word, SparseFormat.DENSE).singletonOrThrow()
                    .add(Embedding.embedding(types, tokenType, SparseFormat.DENSE).singletonOrThrow())
                    .add(Embedding.embedding(pass.arange(0, seq, 1, DataType.INT64), position, SparseFormat.DENSE).singletonOrThrow());
            x = Ops.layerNorm(x, embNorm, embNormBias, eps);
            NDArray bias = mask.neg().add(1f).mul(MASKED).reshape(b, 1, 1, 1, seq); // broadcasts over Ops.attention's [B, kv, group, T, T]
            for (int i = 0; i < layers.size(); i++) {
                x = block(i, x, bias, capture);
                if (capture.stopAfter(i)) {
                    return null;
                }
            }
            NDArray m = mask.expandDims(2);
            NDArray mean = x.mul(m).sum(new int[] {1}).div(m.sum(new int[] {1}).maximum(1e-9f));
            NDArray emb = mean.div(mean.norm(new int[] {1}, true).maximum(1e-12f));
            x.attach(caller);
            emb.attach(caller);
            return new Output(x, emb);
        }
    }

    private static NDArray onDevice(NDArray a, NDManager pass) {
        NDArray d = a.toDevice(pass.getDevice(), true);
        d.attach(pass);
        return d.toType(DataType.INT64, false);
    }

    private NDArray block(int i, NDArray x, NDArray maskBias, ForwardCapture capture) {
        Map<String, NDArray> l = layers.get(i);
        offer(capture, CaptureSite.BLOCK_INPUT, i, x);
        long b = x.getShape().get(0), t = x.getShape().get(1);
        NDArray attn;
        if (l.get("q").getShape().get(0) == 0) {
            attn = l.get("oBias");
        } else {
            NDArray q = heads(Ops.linear(x, l.get("q"), l.get("qBias")), b, t);
            NDArray k = heads(Ops.linear(x, l.get("k"), l.get("kBias")), b, t);
            NDArray v = heads(Ops.linear(x, l.get("v"), l.get("vBias")), b, t);
            NDArray perHead = Ops.attention(q, k, v, maskBias).transpose(0, 2, 1, 3); // [B, T, heads, headDim]
            offer(capture, CaptureSite.ATTENTION_HEADS, i, perHead);
            attn = Ops.linear(perHead.reshape(b, t, -1), l.get("o"), l.get("oBias"));
        }
        NDArray a = Ops.layerNorm(x.add(attn), l.get("attnNorm"), l.get("attnNormBias"), eps);
        offer(capture, CaptureSite.FFN_INPUT, i, a);
        NDArray ffn;
        if (l.get("up").getShape().get(0) == 0) {
            ffn = l.get("downBias");
        } else {
            NDArray inner = gelu(Ops.linear(a, l.get("up"), l.get("upBias")));
            offer(capture, CaptureSite.FFN_INTERMEDIATE, i, inner);
            ffn = Ops.linear(inner, l.get("down"), l.get("downBias"));
        }
        NDArray y = Ops.layerNorm(a.add(ffn), l.get("ffnNorm"), l.get("ffnNormBias"), eps);
        offer(capture, CaptureSite.BLOCK_OUTPUT, i, y);
        return y;
    }

    /** [B, T, n·headDim] → [B, n, T, headDim]. */
    private NDArray heads(NDArray x, long b, long t) {
        return x.reshape(b, t, -1, headDim).transpose(0, 2, 1, 3);
    }

    /** The exact GELU of BERT: 0.5·x·(1 + erf(x/√2)). */
    static NDArray gelu(NDArray x) {
        return x.mul(INV_SQRT2).erf().add(1f).mul(x).mul(0.5f);
    }

    private static void offer(ForwardCapture capture, CaptureSite site, int layer, NDArray value) {
        if (capture.wants(site, layer)) {
            capture.record(site, layer, value);
        }
    }

    /** Sentence embeddings [batch][hidden] for a tokenized batch. */
    public float[][] embed(Batch batch) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            Shape s = new Shape(batch.batch(), batch.seq());
            Output out = forward(m.create(batch.inputIds(), s), m.create(batch.attentionMask(), s), m.create(batch.tokenTypeIds(), s),
                    ForwardCapture.NONE);
            float[] flat = out.sentenceEmbedding().toDevice(Device.cpu(), false).toFloatArray();
            int h = weights.hiddenSize();
            float[][] e = new float[batch.batch()][h];
            for (int i = 0; i < e.length; i++) {
                System.arraycopy(flat, i * h, e[i], 0, h);
            }
            return e;
        }
    }

    /** Runs one unpadded sequence per pass (no padding reaches the capture), for calibration. */
    public void calibrate(List<long[]> sequences, ForwardCapture capture) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (long[] ids : sequences) {
                try (NDManager step = m.newSubManager()) {
                    Shape s = new Shape(1, ids.length);
                    long[] ones = new long[ids.length];
                    Arrays.fill(ones, 1);
                    forward(step.create(ids, s), step.create(ones, s), null, capture);
                }
            }
        }
    }

    public EncoderWeights weights() {
        return weights;
    }

    public Device device() {
        return device;
    }

    public int numLayers() {
        return layers.size();
    }

    @Override
    public void close() {
        manager.close();
    }
}
