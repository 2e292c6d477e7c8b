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

    @Test
    void aDroppedLastLayerIsReportedAsNotCompensated() {
        // the activation-based block scores (here wanda-sp) drop the last layer of the demo model, which nothing follows
        PruneResult lsq = PrunePipeline.run(demo("wanda-sp", "lsq", CalibrationMode.SEQUENTIAL), ProgressListener.NONE);
        assertEquals("[5]", java.util.Arrays.toString(lsq.plan().droppedLayers()), lsq.plan().settings().toString());
        assertTrue(lsq.plan().settings().get("layerDrop.compensation.layer5").startsWith("not compensated: no kept block follows it"),
                lsq.plan().settings().toString());
    }
}
