package dev.secateur.prune.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.secateur.embedding.Fidelity;
import dev.secateur.model.EncoderLayerWeights;
import dev.secateur.model.EncoderWeights;
import dev.secateur.model.LayerSizes;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.Sentences;
import dev.secateur.prune.model.BlockMath;
import dev.secateur.prune.model.EncoderBlockForward;
import dev.secateur.tokenizer.SentenceTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * BERT-family encoders (BertModel: BERT, MiniLM, ...). Calibration and evaluation inputs are files of sentences, one per
 * line (blank lines and lines starting with '#' skipped), each tokenized with its special tokens and right-padded into
 * batches with an attention mask. An encoder is small, so its weights are read whole (float32) and the pruned blocks
 * are collected and written as one model.safetensors at the end. The end compares sentence embeddings (mean-pooled,
 * L2-normalised, as sentence-transformers computes them): mean and worst cosine to the dense ones and recall@1.
 */
final class EncoderFamily implements ModelFamily {
    private final EncoderWeights dense;
    private final EncoderBlockForward math;
    private final List<TokenBatch> calibration;
    private final List<TokenBatch> evaluation;
    private final Path tokenizer;
    private final int calibrationSentences;
    private final long calibrationTokens;

    private EncoderFamily(EncoderWeights dense, List<TokenBatch> calibration, int sentences, long tokens, List<TokenBatch> evaluation,
            Path tokenizer) {
        this.dense = dense;
        this.math = new EncoderBlockForward(dense.config());
        this.calibration = calibration;
        this.calibrationSentences = sentences;
        this.calibrationTokens = tokens;
        this.evaluation = evaluation;
        this.tokenizer = tokenizer;
    }

    /**
     * Reads the encoder and its sentences: at most {@code samples} calibration sentences, each cut to {@code seqLen}
     * tokens and batched by length (less padding); every evaluation sentence, in order, cut to the model's context.
     */
    static EncoderFamily open(PruneOptions o) {
        EncoderWeights w = EncoderWeights.load(o.model());
        int context = w.positionEmbedding().dim(0);
        try (SentenceTokenizer tok = SentenceTokenizer.load(o.tokenizerPath())) {
            List<long[]> calib = new ArrayList<>();
            for (String s : Sentences.read(o.calibration())) {
                if (calib.size() == o.samples()) {
                    break;
                }
                calib.add(cut(tok.encode(s), Math.min(o.seqLen(), context)));
            }
            if (calib.isEmpty()) {
                throw new IllegalArgumentException(o.calibration() + ": no calibration sentences (one per line)");
            }
            long tokens = calib.stream().mapToLong(ids -> ids.length).sum();
            calib.sort(Comparator.comparingInt(ids -> ids.length));
            List<TokenBatch> eval = null;
            if (o.evalText() != null) {
                List<long[]> held = Sentences.read(o.evalText()).stream().map(s -> cut(tok.encode(s), context)).toList();
                if (held.size() < 2) {
                    throw new IllegalArgumentException(o.evalText() + ": embedding fidelity needs at least 2 evaluation sentences, found "
                            + held.size());
                }
                eval = batches(held, o.batchSize());
            }
            return new EncoderFamily(w, batches(calib, o.batchSize()), calib.size(), tokens, eval, o.tokenizerPath());
        }
    }

    /** The first max−1 tokens and the last ([SEP]), so a long sentence keeps its closing special token. */
    private static long[] cut(long[] ids, int max) {
        if (ids.length <= max) {
            return ids;
        }
        long[] out = Arrays.copyOf(ids, max);
        out[max - 1] = ids[ids.length - 1];
        return out;
    }

    /** Right-padded batches (pad id 0, as BERT's [PAD]) with their masks. */
    private static List<TokenBatch> batches(List<long[]> sentences, int batchSize) {
        List<TokenBatch> out = new ArrayList<>();
        for (int s = 0; s < sentences.size(); s += batchSize) {
            List<long[]> part = sentences.subList(s, Math.min(sentences.size(), s + batchSize));
            int seq = part.stream().mapToInt(ids -> ids.length).max().orElseThrow();
            long[][] ids = new long[part.size()][seq];
            long[][] mask = new long[part.size()][seq];
            for (int r = 0; r < part.size(); r++) {
                System.arraycopy(part.get(r), 0, ids[r], 0, part.get(r).length);
                Arrays.fill(mask[r], 0, part.get(r).length, 1);
            }
            out.add(new TokenBatch(ids, mask));
        }
        return out;
    }

    @Override
    public String calibrationSummary() {
        return calibrationSentences + " calibration sentences, " + calibrationTokens + " tokens";
    }

    @Override
    public int numLayers() {
        return dense.layers().size();
    }

    @Override
    public dev.secateur.checkpoint.Architecture architecture() {
        return dense.config().architecture();
    }

    @Override
    public int hiddenSize() {
        return dense.hiddenSize();
    }

    @Override
    public int headDim() {
        return dense.headDim();
    }

    @Override
    public List<LayerSizes> layerSizes() {
        return dense.layerSizes();
    }

    @Override
    public LayerWeights layer(int layer) {
        return dense.layers().get(layer).asLayerWeights();
    }

    @Override
    public BlockMath math() {
        return math;
    }

    @Override
    public boolean evaluates() {
        return evaluation != null;
    }

    @Override
    public Embedded embed(NDManager root, boolean withCalibration, boolean withEvaluation) {
        try (NDManager m = root.newSubManager()) {
            NDArray word = ModelFamily.array(m, dense.wordEmbedding()), position = ModelFamily.array(m, dense.positionEmbedding());
            NDArray type = ModelFamily.array(m, dense.tokenTypeEmbedding());
            NDArray norm = ModelFamily.array(m, dense.embNorm()), bias = ModelFamily.array(m, dense.embNormBias());
            HiddenStates.Embedder e = (ids, pass) -> math.embed(ids, null, word, position, type, norm, bias, pass);
            return new Embedded(withCalibration ? HiddenStates.embed(root, calibration, e) : null,
                    withEvaluation && evaluation != null ? HiddenStates.embed(root, evaluation, e) : null);
        }
    }

    @Override
    public Output output(Path dir, int keptLayers, boolean addsMlpBias, boolean addsAttentionBias, dev.secateur.prune.plan.HiddenPlan hidden) {
        if (hidden != null) {
            throw new IllegalArgumentException("hidden pruning needs a pre-norm decoder (RMSNorm); an encoder's post-norm LayerNorms are not hidden-pruned");
        }
        // BERT's projections all carry biases already, so compensation never adds one
        List<EncoderLayerWeights> kept = new ArrayList<>(keptLayers);
        return new Output() {
            @Override
            public Parameters writeEmbeddings() {
                return Parameters.kept(dense.wordEmbedding().numel() + dense.positionEmbedding().numel() + dense.tokenTypeEmbedding().numel()
                        + dense.embNorm().numel() + dense.embNormBias().numel());
            }

            @Override
            public void writeLayer(int sourceLayer, int index, LayerWeights pruned) {
                // the LayerWeights view carries q/k/v/o and up/down; the block's own LayerNorms come from the dense block
                kept.add(dense.layers().get(sourceLayer).withProjections(pruned));
            }

            @Override
            public Parameters finish(List<LayerSizes> keptSizes) {
                dense.withLayers(kept).save(dir, tokenizer);
                return Parameters.kept((dense.poolerDense() == null ? 0 : dense.poolerDense().numel())
                        + (dense.poolerBias() == null ? 0 : dense.poolerBias().numel()));
            }
        };
    }

    @Override
    public Evaluation evaluate(NDManager root, HiddenStates denseStates, HiddenStates prunedStates, dev.secateur.prune.plan.HiddenPlan hidden) {
        return Evaluation.of(Fidelity.of(sentenceEmbeddings(root, denseStates), sentenceEmbeddings(root, prunedStates)));
    }

    private float[][] sentenceEmbeddings(NDManager root, HiddenStates states) {
        int h = dense.hiddenSize();
        List<float[]> out = new ArrayList<>();
        for (int b = 0; b < states.batches(); b++) {
            try (NDManager m = root.newSubManager()) {
                NDArray x = states.batch(b), mask = states.mask(b);
                x.tempAttach(m);
                mask.tempAttach(m);
                float[] flat = EncoderBlockForward.meanPool(x, mask).toFloatArray();
                for (int r = 0; r < flat.length / h; r++) {
                    out.add(Arrays.copyOfRange(flat, r * h, (r + 1) * h));
                }
            }
        }
        return out.toArray(float[][]::new);
    }

    @Override
    public void close() {
        // the weights are plain Java arrays; nothing to release
    }
}
