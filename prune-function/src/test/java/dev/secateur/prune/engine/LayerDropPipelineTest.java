package dev.secateur.prune.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.events.Allocation;
import dev.secateur.model.DecoderWeights;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.prune.plan.LayerScores;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole layers: scored by the run's method, and a dropped layer absorbed by the kept block after it. */
class LayerDropPipelineTest {
    @TempDir
    Path tmp;

    PruneOptions fixture(String method, String compensation) {
        return PruneOptions.builder(Fixtures.dir("llama-gqa"), PrunePipelineTest.resource("text/words.txt"), tmp.resolve(method + compensation))
                .tokenizer(PrunePipelineTest.resource("fixtures/tokenizer.json")).samples(8).seqLen(16).seed(3).device("cpu").criterion(method)
                .ratios(null, null, 0.5).allocation(Allocation.UNIFORM).compensation(compensation).miTokens(64).maxTokens(96).batchSize(4)
                .calibrationMode(CalibrationMode.SEQUENTIAL).evalSeqLen(16).build();
    }

    @Test
    void layerScoresFollowTheMethodAndAreRecordedInThePlan() {
        for (String method : List.of("magnitude", "mi", "mi-pairwise", "wanda-sp", "flap", "random")) {
            PruneResult r = PrunePipeline.run(fixture(method, "none"), ProgressListener.NONE);
            assertEquals(1, r.plan().droppedLayers().length, method);
            assertEquals(LayerScores.basis(method), r.plan().settings().get("layerDrop.basis"), method);
            assertTrue(r.plan().settings().get("layerDrop.scores").contains("L1 cost="), r.plan().settings().toString());
            assertEquals("not compensated: compensation none", r.plan().settings().get("layerDrop.compensation"));
        }
        // magnitude reads weights only: the dropped layer is the one whose o_proj and down_proj hold less energy
        DecoderWeights dense = DecoderWeights.load(Fixtures.dir("llama-gqa"));
        double e0 = LayerScores.outputWeightEnergy(dense.layers().get(0)), e1 = LayerScores.outputWeightEnergy(dense.layers().get(1));
        PruneResult m = PrunePipeline.run(fixture("magnitude", "none"), ProgressListener.NONE);
        assertEquals(e0 < e1 ? 0 : 1, m.plan().droppedLayers()[0], e0 + " vs " + e1);
    }

    PruneOptions demo(String method, String compensation, CalibrationMode mode) {
        Path root = Path.of("..").toAbsolutePath().normalize();
        return PruneOptions.builder(root.resolve("models/kjv-llama"), root.resolve("data/kjv-calib.txt"), tmp.resolve("kjv-" + compensation + mode))
                .samples(16).seqLen(128).device("cpu").criterion(method).ratios(null, null, 1.0 / 6).allocation(Allocation.UNIFORM)
                .compensation(compensation).miTokens(256).maxTokens(2048).batchSize(8).calibrationMode(mode)
                .evalText(root.resolve("data/kjv-valid.txt")).evalSeqLen(128).evalMaxTokens(4096).build();
    }

    @Test
    void aDroppedLayerIsAbsorbedByTheNextBlocksDownProjection() {
        // magnitude (weights only, so the choice cannot depend on the compensation) drops inner layer 2 of the demo model
        PruneResult none = PrunePipeline.run(demo("magnitude", "none", CalibrationMode.SEQUENTIAL), ProgressListener.NONE);
        PruneResult lsq = PrunePipeline.run(demo("magnitude", "lsq", CalibrationMode.SEQUENTIAL), ProgressListener.NONE);
        assertEquals("[2]", java.util.Arrays.toString(lsq.plan().droppedLayers()), lsq.plan().settings().toString());
        assertEquals("[2]", java.util.Arrays.toString(none.plan().droppedLayers()));
        String note = lsq.plan().settings().get("layerDrop.compensation.layer3");
        assertTrue(note != null && note.contains("absorbs dropped layers [2]"), lsq.plan().settings().toString());
        double lossNone = none.perplexityAfter() / none.perplexityBefore(), lossLsq = lsq.perplexityAfter() / lsq.perplexityBefore();
        System.out.printf("layer 2 of 6 dropped: ppl ratio none %.4f, lsq %.4f; KL none %.4f, lsq %.4f%n", lossNone, lossLsq,
                none.agreement().klDivergence(), lsq.agreement().klDivergence());
        // layer 3's refit down_proj makes up for a good part of the lost layer
        assertTrue(lossLsq < lossNone, "ppl ratio with lsq " + lossLsq + " vs none " + lossNone);
        assertTrue(lsq.agreement().klDivergence() < 0.7 * none.agreement().klDivergence(), lsq.agreement() + " vs " + none.agreement());

        PruneResult dense = PrunePipeline.run(demo("magnitude", "lsq", CalibrationMode.DENSE), ProgressListener.NONE);
        assertTrue(dense.plan().settings().get("layerDrop.compensation").startsWith("not compensated: dense calibration"),
                dense.plan().settings().toString());
    }

    /**
     * Granite adds each block's updates × residual_multiplier, so the refit down_proj must add missing / r. The demo
     * model as a Granite with r = 0.5 and its o_proj and down_proj doubled computes the same function; dropping the
     * same layer with lsq must then give the same pruned model's perplexity.
     */
    @Test
    void aGraniteBlockAbsorbsADroppedLayerThroughItsResidualMultiplier() throws java.io.IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        DecoderWeights kjv = DecoderWeights.load(root.resolve("models/kjv-llama"));
        List<dev.secateur.model.LayerWeights> doubled = kjv.layers().stream().map(l -> l
                .withAttention(l.q(), l.qBias(), l.k(), l.kBias(), l.v(), l.vBias(), times(l.o(), 2), l.oBias())
                .withMlp(l.gate(), l.gateBias(), l.up(), l.upBias(), times(l.down(), 2), l.downBias())).toList();
        Path granite = tmp.resolve("kjv-granite");
        dev.secateur.model.CheckpointWriter.save(kjv.withLayers(doubled), granite, root.resolve("models/kjv-llama/tokenizer.json"));
        com.fasterxml.jackson.databind.node.ObjectNode config = (com.fasterxml.jackson.databind.node.ObjectNode)
                dev.secateur.json.Json.mapper().readTree(granite.resolve("config.json").toFile());
        config.putArray("architectures").add("GraniteForCausalLM");
        config.put("model_type", "granite");
        config.put("residual_multiplier", 0.5);
        config.put("attention_multiplier", 1 / Math.sqrt(kjv.headDim())); // GraniteConfig's default is 1, not Llama's
        dev.secateur.json.Json.mapper().writeValue(granite.resolve("config.json").toFile(), config);

        PruneResult llama = PrunePipeline.run(demo("magnitude", "lsq", CalibrationMode.SEQUENTIAL), ProgressListener.NONE);
        PruneResult asGranite = PrunePipeline.run(PruneOptions.builder(granite, root.resolve("data/kjv-calib.txt"), tmp.resolve("granite-out"))
                .samples(16).seqLen(128).device("cpu").criterion("magnitude").ratios(null, null, 1.0 / 6).allocation(Allocation.UNIFORM)
                .compensation("lsq").miTokens(256).maxTokens(2048).batchSize(8).calibrationMode(CalibrationMode.SEQUENTIAL)
                .evalText(root.resolve("data/kjv-valid.txt")).evalSeqLen(128).evalMaxTokens(4096).build(), ProgressListener.NONE);
        assertEquals("[2]", java.util.Arrays.toString(asGranite.plan().droppedLayers()), asGranite.plan().settings().toString());
        assertEquals(llama.perplexityBefore(), asGranite.perplexityBefore(), 1e-5 * llama.perplexityBefore(), "the same dense function");
        assertTrue(asGranite.perplexityAfter() < 0.999 * PrunePipeline.run(demo("magnitude", "none", CalibrationMode.SEQUENTIAL),
                ProgressListener.NONE).perplexityAfter(), "compensation helps");
        // without the 1 / r the refit adds half the missing update: 148.0348 against 148.0451 (a 7e-5 relative gap)
        assertEquals(llama.perplexityAfter(), asGranite.perplexityAfter(), 2e-6 * llama.perplexityAfter(),
                "the refit makes up for the dropped layer exactly as the Llama's does");
    }

    private static dev.secateur.checkpoint.Tensor times(dev.secateur.checkpoint.Tensor t, float s) {
        float[] d = t.data().clone();
        for (int i = 0; i < d.length; i++) {
            d[i] *= s;
        }
        return new dev.secateur.checkpoint.Tensor(t.shape(), d);
    }

    @Test
    void aDroppedLastLayerIsReportedAsNotCompensated() {
        // the activation-based block scores (here wanda-sp) drop the last layer of the demo model, which nothing follows
        PruneResult lsq = PrunePipeline.run(demo("wanda-sp", "lsq", CalibrationMode.SEQUENTIAL), ProgressListener.NONE);
        assertEquals("[5]", java.util.Arrays.toString(lsq.plan().droppedLayers()), lsq.plan().settings().toString());
        assertTrue(lsq.plan().settings().get("layerDrop.compensation.layer5").startsWith("not compensated: no kept block follows it"),
                lsq.plan().settings().toString());
    }
}
