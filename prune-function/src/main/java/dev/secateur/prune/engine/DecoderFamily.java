package dev.secateur.prune.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.ArchitectureAdapter;
import dev.secateur.model.LayerSizes;
import dev.secateur.model.LayerWeights;
import dev.secateur.model.ShardedCheckpointWriter;
import dev.secateur.model.StreamedCheckpoint;
import dev.secateur.prune.calibration.CalibrationSampler;
import dev.secateur.prune.calibration.CalibrationText;
import dev.secateur.prune.eval.Perplexity;
import dev.secateur.prune.model.BlockForward;
import dev.secateur.prune.model.BlockMath;
import dev.secateur.prune.apply.HiddenSlicer;
import dev.secateur.prune.plan.HiddenPlan;
import dev.secateur.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Decoder-only language models (Llama, Mistral, Qwen2, Qwen3, Phi-3, Gemma 2, GPT-2) streamed from memory-mapped safetensors: inputs are token
 * windows sampled from the calibration text, the pruned model is written shard by shard in the source dtype, and the
 * end compares next-token predictions (perplexity, top-1 agreement, KL) on the evaluation windows.
 */
final class DecoderFamily implements ModelFamily {
    private final StreamedCheckpoint src;
    private final BlockForward f;
    private final long[][] windows;
    private final long[][] evalWindows;
    private final int batchSize;
    private final Path tokenizer;

    private DecoderFamily(StreamedCheckpoint src, long[][] windows, long[][] evalWindows, int batchSize, Path tokenizer) {
        this.src = src;
        this.f = new BlockForward(src.config());
        this.windows = windows;
        this.evalWindows = evalWindows;
        this.batchSize = batchSize;
        this.tokenizer = tokenizer;
    }

    /** Opens the checkpoint (its shapes checked first) and cuts the calibration and evaluation text into windows. */
    static DecoderFamily open(PruneOptions o) {
        StreamedCheckpoint src = StreamedCheckpoint.open(o.model());
        try (TextTokenizer tok = TextTokenizer.load(o.tokenizerPath())) {
            long[] ids = tok.encode(CalibrationText.read(o.calibration()));
            long[][] windows = CalibrationSampler.windows(ids, o.samples(), o.seqLen(), o.seed());
            long[][] evalWindows = null;
            if (o.evalText() != null) {
                long cap = o.evalMaxTokens() > 0 ? o.evalMaxTokens()
                        : Math.max(o.evalSeqLen(), PrunePipeline.EVAL_STATE_BUDGET / (4L * src.config().hiddenSize()) / o.evalSeqLen() * o.evalSeqLen());
                evalWindows = new Perplexity(o.evalSeqLen(), cap, o.batchSize()).windows(tok, o.evalText());
            }
            return new DecoderFamily(src, windows, evalWindows, o.batchSize(), o.tokenizerPath());
        } catch (RuntimeException e) {
            src.close();
            throw e;
        }
    }

    StreamedCheckpoint checkpoint() {
        return src;
    }

    long[][] windows() {
        return windows;
    }

    @Override
    public String calibrationSummary() {
        return windows.length + " × " + windows[0].length + " calibration tokens";
    }

    @Override
    public int numLayers() {
        return src.numLayers();
    }

    @Override
    public dev.secateur.checkpoint.Architecture architecture() {
        return src.config().architecture();
    }

    @Override
    public int hiddenSize() {
        return src.config().hiddenSize();
    }

    @Override
    public int headDim() {
        return src.headDim();
    }

    @Override
    public List<LayerSizes> layerSizes() {
        return src.layerSizes();
    }

    @Override
    public LayerWeights layer(int layer) {
        return src.layer(layer);
    }

    @Override
    public BlockMath math() {
        return f;
    }

    @Override
    public boolean evaluates() {
        return evalWindows != null;
    }

    @Override
    public Embedded embed(NDManager root, boolean calibration, boolean evaluation) {
        long[][] calib = calibration ? windows : new long[0][];
        long[][] eval = evaluation && evalWindows != null ? inputs(evalWindows) : new long[0][];
        // only the rows of tokens that occur are read and moved to the device: an embedding lookup, not the table
        CompactVocabulary vocab = CompactVocabulary.of(calib, eval);
        try (NDManager embedM = root.newSubManager()) {
            NDArray tokens = ModelFamily.array(embedM, src.tokenEmbeddingRows(vocab.ids()));
            Tensor pos = src.positionEmbedding();
            NDArray positions = pos == null ? null : ModelFamily.array(embedM, pos);
            HiddenStates c = calibration ? HiddenStates.embed(f, root, vocab.remap(calib), batchSize, tokens, positions) : null;
            HiddenStates e = eval.length > 0 ? HiddenStates.embed(f, root, vocab.remap(eval), batchSize, tokens, positions) : null;
            return new Embedded(c, e);
        }
    }

    /** The first {@code count} calibration windows (fewer when there are fewer), whole: inputs and targets. */
    long[][] firstWindows(int count) {
        return Arrays.copyOf(windows, Math.min(count, windows.length));
    }

    int batchSize() {
        return batchSize;
    }

    /** Hidden states after the embeddings of these windows (e.g. {@link #firstWindows}), in the run's batches. */
    HiddenStates embedWindows(NDManager root, long[][] some) {
        CompactVocabulary vocab = CompactVocabulary.of(some);
        try (NDManager embedM = root.newSubManager()) {
            NDArray tokens = ModelFamily.array(embedM, src.tokenEmbeddingRows(vocab.ids()));
            Tensor pos = src.positionEmbedding();
            NDArray positions = pos == null ? null : ModelFamily.array(embedM, pos);
            return HiddenStates.embed(f, root, vocab.remap(some), batchSize, tokens, positions);
        }
    }

    /** A window's inputs are all its tokens but the last; the last is only ever a target. */
    private static long[][] inputs(long[][] windows) {
        long[][] out = new long[windows.length][];
        for (int i = 0; i < windows.length; i++) {
            out[i] = Arrays.copyOf(windows[i], windows[i].length - 1);
        }
        return out;
    }

    /** Whether the blocks normalise their MLP output before it joins the residual (Gemma 2's post norms). */
    boolean normalisesBlockOutputs() {
        return src.config().architecture().hasPostNorms();
    }

    /** What the MLP's output is multiplied by as it joins the residual stream (Granite's residual_multiplier, else 1). */
    double residualMultiplier() {
        return src.config().residualMultiplier();
    }

    @Override
    public Output output(Path dir, int keptLayers, boolean addsMlpBias, boolean addsAttentionBias, HiddenPlan hidden) {
        boolean mlpBias = addsMlpBias || src.config().raw().path("mlp_bias").asBoolean(false);
        // where attention_bias covers o_proj (Llama, Gemma 2) it is switched on; where Hugging Face has no o_proj or down_proj
        // bias (Qwen2, Mistral, ...) compensation fits none (BiasSites), so nothing is written that transformers would drop
        boolean attnBias = src.config().architecture().hasAttentionBiasSwitch()
                && (addsAttentionBias || src.config().attentionBias());
        ShardedCheckpointWriter writer = new ShardedCheckpointWriter(dir, keptLayers + 2, src.storedDType());
        ArchitectureAdapter adapter = src.adapter();
        List<Integer> keptSources = new java.util.ArrayList<>();
        return new Output() {
            @Override
            public Parameters writeEmbeddings() {
                ArchitectureAdapter.Embeddings emb = src.embeddings();
                long before = count(emb.tokens()) + count(emb.positions());
                if (hidden != null) {
                    emb = new ArchitectureAdapter.Embeddings(HiddenSlicer.columns(emb.tokens(), hidden), emb.positions());
                }
                writer.writeShard(adapter.writeEmbeddings(emb));
                return new Parameters(before, count(emb.tokens()) + count(emb.positions()));
            }

            @Override
            public void writeLayer(int sourceLayer, int index, LayerWeights pruned) {
                writer.writeShard(adapter.writeLayer(index, pruned, mlpBias, attnBias));
                keptSources.add(sourceLayer);
            }

            @Override
            public Parameters finish(List<LayerSizes> keptSizes) {
                ArchitectureAdapter.Head head = src.head();
                long before = count(head.norm()) + count(head.normBias()) + count(head.lmHead()) + count(head.lmHeadBias());
                if (hidden != null) {
                    // a tied head is the embedding, already narrowed; an untied one reads the final norm's output like any reader
                    head = new ArchitectureAdapter.Head(HiddenSlicer.norm(head.norm(), hidden, hidden.finalScale()), null,
                            head.lmHead() == null ? null : HiddenSlicer.reader(head.lmHead(), head.norm(), hidden), head.lmHeadBias());
                }
                writer.writeShard(adapter.writeHead(head));
                int width = hidden == null ? src.config().hiddenSize() : hidden.width();
                com.fasterxml.jackson.databind.node.ObjectNode config = adapter.config(src.config(), keptSizes, mlpBias, width);
                if (attnBias) {
                    config.put(adapter.attentionBiasKey(), true);
                }
                if ((src.config().hasLayerKinds() || config.has("layer_types")) && keptSources.size() < src.config().numLayers()) {
                    // the architectures' rules (even layers, every sixth, ...) count from the first layer: name each kept one's kind
                    com.fasterxml.jackson.databind.node.ArrayNode types = config.putArray("layer_types");
                    keptSources.forEach(layer -> types.add(src.config().layerType(layer)));
                }
                if ((src.config().hasUnrotatedLayers() || config.has("no_rope_layers")) && keptSources.size() < src.config().numLayers()) {
                    // SmolLM3's NoPE rule counts from the first layer too
                    com.fasterxml.jackson.databind.node.ArrayNode flags = config.putArray("no_rope_layers");
                    keptSources.forEach(layer -> flags.add(src.config().rotates(layer) ? 1 : 0));
                }
                writer.finish(config, tokenizer, src.dir());
                return new Parameters(before, count(head.norm()) + count(head.normBias()) + count(head.lmHead()) + count(head.lmHeadBias()));
            }
        };
    }

    /** Σ_i |lm_head[i, c]| and Σ_i lm_head[i, c]² per hidden channel, read in pieces of the vocabulary. */
    double[][] headColumnNorms() {
        int d = src.config().hiddenSize(), vocab = src.config().vocabSize();
        double[] abs = new double[d], sq = new double[d];
        int piece = Math.max(1, (16 << 20) / (4 * d));
        for (int v0 = 0; v0 < vocab; v0 += piece) {
            float[] rows = src.lmHeadRows(v0, Math.min(vocab, v0 + piece)).data();
            for (int i = 0; i < rows.length; i++) {
                abs[i % d] += Math.abs(rows[i]);
                sq[i % d] += (double) rows[i] * rows[i];
            }
        }
        return new double[][] {abs, sq};
    }

    Tensor finalNorm() {
        return src.headWithoutProjection().norm();
    }

    double normEps() {
        return src.config().normEps();
    }

    /** Whether the block is Llama-shaped (RMSNorm, pre-norm, a gated FFN), the only kind hidden pruning handles. */
    boolean rmsNormed() {
        return src.config().usesRope() && !src.config().architecture().usesLayerNorm();
    }

    @Override
    public Evaluation evaluate(NDManager root, HiddenStates dense, HiddenStates pruned, HiddenPlan hidden) {
        ArchitectureAdapter.Head head = src.headWithoutProjection();
        HeadScorer.Projection projection = new HeadScorer.Projection() {
            @Override
            public int vocab() {
                return src.config().vocabSize();
            }

            @Override
            public Tensor bias() {
                return head.lmHeadBias();
            }

            @Override
            public Tensor rows(int from, int to) {
                return src.lmHeadRows(from, to);
            }

            @Override
            public Tensor rows(int[] ids) {
                return src.lmHeadRows(ids);
            }
        };
        try (NDManager headM = root.newSubManager()) {
            HeadScorer.Side denseSide = new HeadScorer.Side(ModelFamily.array(headM, head.norm()),
                    head.normBias() == null ? null : ModelFamily.array(headM, head.normBias()), projection);
            HeadScorer.Side prunedSide = null;
            if (hidden != null) {
                boolean tied = src.tied();
                Tensor gain = head.norm();
                // the pruned head's rows, as the written checkpoint holds them
                HeadScorer.Projection narrowed = new HeadScorer.Projection() {
                    @Override
                    public int vocab() {
                        return projection.vocab();
                    }

                    @Override
                    public Tensor rows(int from, int to) {
                        return narrow(projection.rows(from, to));
                    }

                    @Override
                    public Tensor bias() {
                        return projection.bias();
                    }

                    @Override
                    public Tensor rows(int[] ids) {
                        return narrow(projection.rows(ids));
                    }

                    private Tensor narrow(Tensor rows) {
                        return tied ? HiddenSlicer.columns(rows, hidden) : HiddenSlicer.reader(rows, gain, hidden);
                    }
                };
                prunedSide = new HeadScorer.Side(ModelFamily.array(headM, HiddenSlicer.norm(gain, hidden, hidden.finalScale())), null, narrowed);
            }
            HeadScorer scorer = new HeadScorer(f, denseSide, prunedSide);
            return Evaluation.of(scorer.score(dense, pruned, evalWindows, batchSize));
        }
    }

    private static long count(Tensor t) {
        return t == null ? 0 : t.numel();
    }

    @Override
    public void close() {
        src.close();
    }
}
