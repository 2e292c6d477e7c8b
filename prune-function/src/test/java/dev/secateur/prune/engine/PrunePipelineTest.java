package dev.secateur.prune.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.events.Allocation;
import dev.secateur.model.DecoderWeights;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.prune.plan.PruningPlan;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrunePipelineTest {
    @TempDir
    Path tmp;

    static Path resource(String name) {
        try {
            return Path.of(PrunePipelineTest.class.getResource("/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    PruneOptions options(String criterion, String compensation) {
        return builder(criterion, compensation).build();
    }

    PruneOptions.Builder builder(String criterion, String compensation) {
        return PruneOptions.builder(Fixtures.dir("llama-gqa"), resource("text/words.txt"), tmp.resolve(criterion + "-" + compensation))
                .tokenizer(resource("fixtures/tokenizer.json")).samples(8).seqLen(16).seed(3).device("cpu").criterion(criterion)
                .ratios(0.25, 0.5, null).allocation(Allocation.UNIFORM).compensation(compensation).miTokens(64).maxTokens(96).batchSize(4)
                .calibrationMode(CalibrationMode.SEQUENTIAL).evalText(resource("text/words.txt")).evalSeqLen(16).evalMaxTokens(0);
    }

    @Test
    void prunesFfnAndHeadsEndToEndAndWritesALoadableCheckpoint() {
        List<String> stages = new ArrayList<>();
        PruneResult r = PrunePipeline.run(options("mi", "lsq"), (stage, f, msg) -> stages.add(stage));
        DecoderWeights pruned = DecoderWeights.load(r.output());
        assertEquals(72, pruned.layers().get(0).ffnWidth(), "25 % of 96 FFN neurons removed");
        assertEquals(2, pruned.layers().get(0).numHeads(pruned.headDim()), "one of two KV groups removed");
        assertEquals(1, pruned.layers().get(0).numKvHeads(pruned.headDim()));
        // lsq fits a down_proj bias; Hugging Face's mlp_bias then needs gate/up biases too, written as zeros,
        // which read back as absent: the reloaded model has exactly the pruned parameters
        assertEquals(r.parametersAfter(), pruned.parameterCount());
        assertTrue(pruned.layers().get(0).downBias() != null && pruned.layers().get(0).upBias() == null);
        assertTrue(r.parametersAfter() < r.parametersBefore());
        assertTrue(Double.isFinite(r.perplexityBefore()) && Double.isFinite(r.perplexityAfter()), r.toString());
        assertTrue(r.agreement().top1() >= 0 && r.agreement().top1() <= 1, r.agreement().toString());
        assertTrue(r.agreement().klDivergence() >= -1e-6 && r.agreement().positions() > 0, r.agreement().toString());
        PruningPlan plan = PruningPlan.read(r.output().resolve("plan.json"));
        assertEquals(72, plan.layers().get(1).keptFfn().length);
        assertEquals("mi", plan.settings().get("criterion"));
        assertTrue(Files.exists(r.output().resolve("tokenizer.json")));
        assertTrue(stages.containsAll(List.of("load", "calibrate", "prune", "eval", "save")), stages.toString());
        assertTrue(r.peakActivationBytes() > 0);
    }

    @Test
    void everyCriterionAndCompensationRuns() {
        for (String c : dev.secateur.prune.criterion.Criteria.NAMES) {
            PruneResult r = PrunePipeline.run(builder(c, "bias").ratios(0.25, null, null).evalText(null).build(), ProgressListener.NONE);
            assertEquals(72, DecoderWeights.load(r.output()).layers().get(0).ffnWidth(), c);
        }
        PruneResult global = PrunePipeline.run(builder("flap", "bias").ratios(0.25, null, null).allocation(Allocation.GLOBAL).build(),
                ProgressListener.NONE);
        int total = global.plan().layers().stream().mapToInt(l -> l.keptFfn().length).sum();
        assertEquals(2 * 72, total, "global allocation removes the same total");
    }

    @Test
    void sameSeedSamePlan() {
        PruneResult a = PrunePipeline.run(builder("mi-pairwise", "none").ratios(0.25, null, null).build(), ProgressListener.NONE);
        PruneOptions o = builder("mi-pairwise", "none").ratios(0.25, null, null).build();
        PruneResult b = PrunePipeline.run(o.toBuilder().output(tmp.resolve("again")).evalText(null).build(), ProgressListener.NONE);
        assertArrayEquals(a.plan().layers().get(0).keptFfn(), b.plan().layers().get(0).keptFfn());
    }

    @Test
    void badInputFailsBeforeLoadingAnything() {
        assertThrows(IllegalArgumentException.class, () -> PrunePipeline.spec(options("obs", "lsq")));
        assertThrows(IllegalArgumentException.class, () -> PrunePipeline.spec(options("mi", "obs")));
        assertThrows(IllegalArgumentException.class, () -> PrunePipeline.spec(builder("mi", "lsq").ratios(1.5, null, null).build()));
        PruneOptions tooShort = builder("mi", "lsq").samples(1000).seqLen(256).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PrunePipeline.run(tooShort, ProgressListener.NONE));
        assertTrue(e.getMessage().contains("too short"), e.getMessage());
        // 4 heads in 2 KV groups: 25 % = one head = half a group
        IllegalArgumentException h = assertThrows(IllegalArgumentException.class,
                () -> PrunePipeline.run(builder("magnitude", "none").ratios(null, 0.25, null).build(), ProgressListener.NONE));
        assertTrue(h.getMessage().contains("KV groups"), h.getMessage());
    }

    @Test
    void dropsLayersByBlockMutualInformation() {
        PruneResult r = PrunePipeline.run(builder("magnitude", "none").ratios(null, null, 0.5).build(), ProgressListener.NONE);
        assertEquals(1, r.plan().droppedLayers().length);
        assertEquals(1, DecoderWeights.load(r.output()).layers().size());
    }
}
