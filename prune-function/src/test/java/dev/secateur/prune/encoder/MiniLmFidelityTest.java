package dev.secateur.prune.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.secateur.embedding.Embeddings;
import dev.secateur.model.EncoderWeights;
import dev.secateur.onnx.EncoderOnnxExporter;
import dev.secateur.onnx.OnnxImporter;
import dev.secateur.prune.model.EncoderModel;
import dev.secateur.runtime.OrtEncoder;
import dev.secateur.tokenizer.SentenceTokenizer;
import dev.secateur.tokenizer.SentenceTokenizer.Batch;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real all-MiniLM-L6-v2, imported from its ONNX file, must give the same sentence embeddings through
 * our DJL forward and through our own ONNX export as the original file does on ONNX Runtime.
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
        EncoderOnnxExporter.export(weights, MiniLm.file(MiniLm.TOKENIZER), dir, Map.of());
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

    @Test
    void aPrunedEncoderWithPerLayerSizesRunsTheSameInDjlAndInItsOnnxExport(@TempDir Path dir) {
        List<dev.secateur.prune.calibration.LayerActivations> none = new java.util.ArrayList<>();
        for (int l = 0; l < weights.layers().size(); l++) {
            none.add(dev.secateur.prune.calibration.LayerActivations.none(l, 12, 12, 32));
        }
        var magnitude = new dev.secateur.prune.criterion.ScoreSelector(new dev.secateur.prune.criterion.MagnitudeCriterion());
        var global = dev.secateur.prune.plan.Allocation.GLOBAL;
        EncoderWeights pruned = EncoderPruner.apply(weights, none,
                EncoderPruner.orders(weights, none, magnitude, dev.secateur.prune.criterion.Structure.FFN_NEURONS),
                new dev.secateur.prune.plan.Target(dev.secateur.prune.criterion.Structure.FFN_NEURONS, 0.4, null, global, 0.05),
                EncoderPruner.orders(weights, none, magnitude, dev.secateur.prune.criterion.Structure.ATTENTION_HEADS),
                new dev.secateur.prune.plan.Target(dev.secateur.prune.criterion.Structure.ATTENTION_HEADS, 0.25, null, global, 0.05),
                dev.secateur.prune.compensate.Compensator.NONE);
        assertTrue(pruned.layerSizes().stream().map(s -> s.ffn()).distinct().count() > 1, "global allocation gives per-layer widths: " + pruned.layerSizes());
        assertEquals(Math.round(0.6 * 6 * 1536), pruned.layers().stream().mapToInt(l -> l.ffnWidth()).sum(), 1);
        float[][] djl;
        try (EncoderModel model = new EncoderModel(pruned, Device.cpu())) {
            djl = model.embed(batch);
        }
        EncoderOnnxExporter.export(pruned, null, dir, Map.of());
        try (OrtEncoder ours = OrtEncoder.open(dir)) {
            double diff = Embeddings.maxAbsDiff(djl, ours.run(batch).sentenceEmbeddings());
            assertTrue(diff <= TOLERANCE, "pruned " + pruned.layerSizes() + ": DJL vs our ONNX max |Δ| = " + diff);
            assertTrue(ours.metadata().get("secateur.layer_sizes").contains("\"ffn\":" + pruned.layers().get(0).ffnWidth()));
        }
        // and the pruned folder round-trips through safetensors with its per-layer sizes
        pruned.save(dir.resolve("hf"), null);
        assertEquals(pruned.layerSizes(), EncoderWeights.load(dir.resolve("hf")).layerSizes());
    }
}
