package dev.secateur.prune.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.secateur.embedding.Embeddings;
import dev.secateur.embedding.Fidelity;
import dev.secateur.events.Allocation;
import dev.secateur.model.EncoderWeights;
import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.onnx.OnnxImporter;
import dev.secateur.prune.engine.CalibrationMode;
import dev.secateur.prune.engine.ProgressListener;
import dev.secateur.prune.engine.PruneOptions;
import dev.secateur.prune.engine.PrunePipeline;
import dev.secateur.prune.engine.PruneResult;
import dev.secateur.prune.model.EncoderModel;
import dev.secateur.runtime.OrtEncoder;
import dev.secateur.tokenizer.SentenceTokenizer;
import dev.secateur.tokenizer.SentenceTokenizer.Batch;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real all-MiniLM-L6-v2, imported from its ONNX file, must give the same sentence embeddings through
 * our DJL forward and through our own ONNX export as the original file does on ONNX Runtime; pruned by the engine, it
 * keeps per-layer sizes through both, and the engine's own fidelity figures are those of whole-model forwards.
 */
class MiniLmFidelityTest {
    static final double TOLERANCE = 1e-4;
    static final List<String> SENTENCES = List.of(
            "The kettle clicked off just as the rain started.",
            "Quarterly revenue rose four percent, driven mostly by subscriptions.",
            "Hi!",
            "A heron stood motionless in the shallow water, waiting for the light to change.",
            "How do I reset my password if I no longer have access to my email?",
            "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.",
            "She tuned the violin twice before the rehearsal began.",
            "Pruning removes neurons whose contribution the rest of the network can make up for.",
            "Le chat dort sur le canapé.",
            "Trains to the airport leave every twenty minutes from platform three.");

    static Path onnx;
    static SentenceTokenizer tokenizer;
    static EncoderWeights weights;
    static Batch batch;
    static float[][] reference;

    @BeforeAll
    static void setUp() {
        onnx = MiniLm.file(MiniLm.ONNX);
        tokenizer = SentenceTokenizer.load(MiniLm.file(MiniLm.TOKENIZER));
        weights = OnnxImporter.importBert(onnx);
        batch = tokenizer.batch(SENTENCES, 512);
        try (OrtEncoder original = OrtEncoder.open(onnx)) {
            assertTrue(!original.pooledInGraph(), "the original file outputs last_hidden_state only");
            reference = original.run(batch).sentenceEmbeddings();
        }
    }

    @AfterAll
    static void tearDown() {
        tokenizer.close();
    }

    @Test
    void paddedBatchesReallyArePadded() {
        assertTrue(batch.tokens() < (long) batch.batch() * batch.seq());
        assertEquals(101, batch.inputIds()[0], "[CLS] first");
    }

    @Test
    void djlForwardMatchesTheOriginalOnnxOnOnnxRuntime() {
        try (EncoderModel model = new EncoderModel(weights, Device.cpu())) {
            float[][] ours = model.embed(batch);
            double diff = Embeddings.maxAbsDiff(reference, ours);
            System.out.printf("MiniLM sentence embeddings, DJL forward vs original ONNX on ORT: max |diff| = %.3g%n", diff);
            assertTrue(diff <= TOLERANCE, "DJL vs original ONNX: max |Δ| = " + diff);
            // and one sentence alone (no padding) gives the same embedding as inside the padded batch
            float[][] alone = model.embed(tokenizer.batch(List.of(SENTENCES.get(2)), 512));
            assertTrue(Embeddings.maxAbsDiff(new float[][] {reference[2]}, alone) <= TOLERANCE);
        }
    }

    @Test
    void ourOnnxExportMatchesTheOriginalOnnxOnOnnxRuntime(@TempDir Path dir) {
        ArtifactWriter.writeEncoder(weights, dir, ArtifactWriter.Options.defaults(false).withTokenizer(MiniLm.file(MiniLm.TOKENIZER)));
        try (OrtEncoder ours = OrtEncoder.open(dir)) {
            assertTrue(ours.pooledInGraph());
            assertEquals("encoder", ours.metadata().get("secateur.kind"));
            assertEquals("BertModel", ours.metadata().get("secateur.architecture"));
            OrtEncoder.Result r = ours.run(batch);
            double diff = Embeddings.maxAbsDiff(reference, r.sentenceEmbeddings());
            System.out.printf("MiniLM sentence embeddings, our ONNX export vs original ONNX on ORT: max |diff| = %.3g%n", diff);
            assertTrue(diff <= TOLERANCE, "our ONNX vs original ONNX: max |Δ| = " + diff);
            // the in-graph pooling equals pooling our own last_hidden_state in Java
            float[][] pooled = Embeddings.meanPoolNormalize(r.lastHiddenState(), batch.attentionMask(), r.batch(), r.seq(), r.hidden());
            assertTrue(Embeddings.maxAbsDiff(pooled, r.sentenceEmbeddings()) <= 1e-6);
        }
    }

    /** The engine's options for MiniLM: its folder and sentences, CPU, a small batch so that padding differs from batch to batch. */
    static PruneOptions options(Path out, String criterion, String compensation, Allocation allocation, Double ffn, Double heads) {
        Path model = MiniLm.folder();
        // an encoder cuts sentences to its own context, so the evaluation window keeps its default
        return PruneOptions.builder(model, MiniLm.calibration(), out).tokenizer(model.resolve("tokenizer.json")).samples(64).seqLen(128)
                .device("cpu").criterion(criterion).ratios(ffn, heads, null).allocation(allocation).compensation(compensation).miTokens(128)
                .maxTokens(2048).batchSize(8).calibrationMode(CalibrationMode.SEQUENTIAL).evalText(MiniLm.heldOut()).build();
    }

    @Test
    void aPrunedEncoderWithPerLayerSizesRunsTheSameInDjlAndInItsOnnxExport(@TempDir Path dir) {
        PruneResult r = PrunePipeline.run(options(dir.resolve("pruned"), "magnitude", "none", Allocation.GLOBAL, 0.4, 0.25),
                ProgressListener.NONE);
        EncoderWeights pruned = EncoderWeights.load(r.output());
        assertTrue(pruned.layerSizes().stream().map(s -> s.ffn()).distinct().count() > 1, "global allocation gives per-layer widths: " + pruned.layerSizes());
        assertEquals(Math.round(0.6 * 6 * 1536), pruned.layers().stream().mapToInt(l -> l.ffnWidth()).sum(), 1);
        assertEquals(weights.parameterCount(), r.parametersBefore());
        assertEquals(pruned.parameterCount(), r.parametersAfter());
        float[][] djl;
        try (EncoderModel model = new EncoderModel(pruned, Device.cpu())) {
            djl = model.embed(batch);
        }
        ArtifactWriter.writeEncoder(pruned, dir.resolve("onnx"), ArtifactWriter.Options.defaults(false));
        try (OrtEncoder ours = OrtEncoder.open(dir.resolve("onnx"))) {
            double diff = Embeddings.maxAbsDiff(djl, ours.run(batch).sentenceEmbeddings());
            assertTrue(diff <= TOLERANCE, "pruned " + pruned.layerSizes() + ": DJL vs our ONNX max |Δ| = " + diff);
            assertTrue(ours.metadata().get("secateur.layer_sizes").contains("\"ffn\":" + pruned.layers().get(0).ffnWidth()));
        }
        // the pruned folder keeps its per-layer sizes in config.json
        assertEquals(pruned.layerSizes(), EncoderWeights.load(r.output()).layerSizes());
    }

    /**
     * The engine's fidelity figures, computed block by block over padded batches of 8 held-out sentences with their masks,
     * equal those of the whole dense and pruned models run on all held-out sentences in one differently padded batch.
     */
    @Test
    void theEnginesEmbeddingFidelityEqualsWholeModelForwards(@TempDir Path dir) {
        PruneResult r = PrunePipeline.run(options(dir.resolve("pruned"), "wanda-sp", "lsq", Allocation.UNIFORM, 0.3, 0.25),
                ProgressListener.NONE);
        assertTrue(Double.isNaN(r.perplexityBefore()) && r.agreement() == null, "an encoder has no perplexity");
        Fidelity engine = r.fidelity();
        Batch held = tokenizer.batch(dev.secateur.prune.calibration.Sentences.read(MiniLm.heldOut()), 512);
        Fidelity whole;
        try (EncoderModel d = new EncoderModel(weights, Device.cpu()); EncoderModel p = new EncoderModel(EncoderWeights.load(r.output()), Device.cpu())) {
            whole = Fidelity.of(d.embed(held), p.embed(held));
        }
        System.out.printf("MiniLM wanda-sp + lsq, 30%% FFN + 3 of 12 heads: mean cosine %.4f (min %.4f), recall@1 %.3f on %d sentences%n",
                engine.meanCosine(), engine.minCosine(), engine.recallAt1(), engine.sentences());
        assertEquals(whole.sentences(), engine.sentences());
        assertEquals(whole.meanCosine(), engine.meanCosine(), 1e-5);
        assertEquals(whole.minCosine(), engine.minCosine(), 1e-4);
        assertEquals(whole.recallAt1(), engine.recallAt1(), 1e-9);
        // a sanity bound, not a benchmark (docs/benchmarks/minilm-encoder-pruning.md): magnitude without compensation gives ~0.70 here
        assertTrue(engine.meanCosine() > 0.85, "lsq keeps the embeddings close: " + engine);
        EncoderWeights pruned = EncoderWeights.load(r.output());
        pruned.layerSizes().forEach(s -> {
            assertEquals(9, s.heads());
            assertEquals(1075, s.ffn());
        });
    }
}
