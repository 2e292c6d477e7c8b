package dev.secateur.prune.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.secateur.checkpoint.Architecture;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.EncoderLayerWeights;
import dev.secateur.model.EncoderWeights;
import dev.secateur.tokenizer.SentenceTokenizer.Batch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A BERT-family encoder (BertModel: BERT, MiniLM, ...) on DJL's PyTorch engine, float32, computing what
 * Hugging Face's BertModel computes: word + position + token-type embeddings → LayerNorm, then post-LN
 * blocks (a = LN(x + attention(x)); y = LN(a + down(gelu(up(a)))) with the exact erf GELU), padding masked
 * out of attention; plus the sentence-transformers sentence embedding (mean over real tokens, L2-normalised).
 * The arithmetic is {@link EncoderBlockForward}'s, the same the streaming pruner runs block by block; this class
 * holds a whole encoder resident for benchmarks and reference checks.
 *
 * <p>Capture sites are the decoder's, so the pruning criteria run unchanged: BLOCK_INPUT (x), ATTENTION_HEADS
 * (per-head context before attention.output.dense, [B, T, heads, headDim]), FFN_INPUT (a, the input of
 * intermediate.dense), FFN_INTERMEDIATE (gelu(up(a)), the input of output.dense) and BLOCK_OUTPUT (y).
 * Captured arrays include padded positions; the pruning engine calibrates block by block instead, picking only
 * real tokens' rows.
 */
public final class EncoderModel implements AutoCloseable {
    private final EncoderWeights weights;
    private final Device device;
    private final NDManager manager;
    private final NDArray word;
    private final NDArray position;
    private final NDArray tokenType;
    private final NDArray embNorm;
    private final NDArray embNormBias;
    private final List<LayerArrays> layers;
    private final EncoderBlockForward math;

    public EncoderModel(EncoderWeights w, Device device) {
        if (w.config().architecture() != Architecture.BERT) {
            throw new IllegalArgumentException("EncoderModel runs BertModel encoders, not " + w.config().architecture().hfName());
        }
        this.weights = w;
        this.device = device;
        this.math = new EncoderBlockForward(w.config());
        this.manager = NDManager.newBaseManager(device, "PyTorch");
        try {
            word = array(w.wordEmbedding());
            position = array(w.positionEmbedding());
            tokenType = array(w.tokenTypeEmbedding());
            embNorm = array(w.embNorm());
            embNormBias = array(w.embNormBias());
            List<LayerArrays> ls = new ArrayList<>();
            for (EncoderLayerWeights l : w.layers()) {
                ls.add(LayerArrays.of(l.asLayerWeights(), this::array));
            }
            layers = List.copyOf(ls);
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
        int seq = Math.toIntExact(shape.get(1));
        if (seq > position.getShape().get(0)) {
            throw new IllegalArgumentException("sequence of " + seq + " tokens exceeds the model's " + position.getShape().get(0) + " positions");
        }
        NDManager caller = inputIds.getManager();
        try (NDManager pass = manager.newSubManager()) {
            NDArray ids = onDevice(inputIds, pass);
            NDArray mask = onDevice(attentionMask, pass).toType(DataType.FLOAT32, false);
            NDArray types = tokenTypeIds == null ? ids.zerosLike() : onDevice(tokenTypeIds, pass);

            NDArray x = math.embed(ids, types, word, position, tokenType, embNorm, embNormBias, pass);
            for (int i = 0; i < layers.size(); i++) {
                x = math.block(i, layers.get(i), x, mask, pass, capture);
                if (capture.stopAfter(i)) {
                    return null;
                }
            }
            NDArray emb = EncoderBlockForward.meanPool(x, mask);
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
