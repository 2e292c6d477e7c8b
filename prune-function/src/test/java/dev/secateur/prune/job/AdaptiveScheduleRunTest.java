package dev.secateur.prune.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.events.PruneRequest;
import dev.secateur.events.RequestValidationException;
import dev.secateur.json.Json;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerSizes;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.plan.LayerPlan;
import dev.secateur.prune.plan.PruningPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adaptive schedule through the runner the CLI and the service share, on the small GQA Llama fixture (2 layers,
 * 96 FFN neurons, 2 KV groups of 2 heads): the same final widths as one-shot, a plan.json in the original model's
 * indices, every step in report.json, and nothing left under the output's .partial folder.
 */
class AdaptiveScheduleRunTest {
    @TempDir
    Path tmp;

    Path model() throws IOException {
        Path dst = tmp.resolve("llama-gqa");
        Files.createDirectories(dst);
        try (java.util.stream.Stream<Path> files = Files.list(dev.secateur.testsupport.Fixtures.dir("llama-gqa"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        Files.copy(WeightSparsityRunTest.TOKENIZER, dst.resolve("tokenizer.json"));
        return dst;
    }

    static ObjectNode request(Path model, String method) {
        return WeightSparsityRunTest.request(model, method).put("ffnRatio", 0.25).put("headRatio", 0.5).put("compensation", "lsq");
    }

    JobOutcome run(Path model, JsonNode json, Path out) throws IOException {
        Files.createDirectories(out);
        PruneRequest req = PruneRequest.parseValid(json);
        return new PipelineJobRunner().prune(new PruneTask("t", req, model, WeightSparsityRunTest.TEXT, WeightSparsityRunTest.TEXT, out, "cpu",
                false), JobProgress.NONE);
    }

    static List<LayerSizes> sizes(Path dir) {
        return DecoderWeights.load(dir).layerSizes();
    }

    @Test
    void adaptiveEndsAtOneShotsWidthsWithAPlanInTheOriginalIndices() throws IOException {
        Path model = model(), oneShot = tmp.resolve("one-shot"), adaptive = tmp.resolve("adaptive");
        run(model, request(model, "mi"), oneShot);
        run(model, request(model, "mi").put("schedule", "adaptive").put("scheduleSteps", 3), adaptive);

        assertEquals(sizes(oneShot), sizes(adaptive));
        assertEquals(new LayerSizes(2, 1, 72), sizes(adaptive).get(0), "25 % of 96 neurons, one of two KV groups");
        assertFalse(Files.exists(tmp.resolve("adaptive.partial")), "step checkpoints are cleaned up");

        // composed indices are original indices: ascending, in range, and the rows lsq never touches (gate, up, q) are the original's there
        PruningPlan plan = PruningPlan.read(adaptive.resolve("plan.json"));
        DecoderWeights dense = DecoderWeights.load(model), pruned = DecoderWeights.load(adaptive);
        for (int l = 0; l < plan.numLayers(); l++) {
            LayerPlan lp = plan.layers().get(l);
            assertStrictlyAscendingWithin(lp.keptFfn(), 96);
            assertStrictlyAscendingWithin(lp.keptKvGroups(), 2);
            assertStrictlyAscendingWithin(lp.keptHeads(), 4);
            LayerWeights d = dense.layers().get(l), p = pruned.layers().get(l);
            assertEquals(d.gate().selectRows(lp.keptFfn()), p.gate(), "layer " + l + " gate rows");
            assertEquals(d.up().selectRows(lp.keptFfn()), p.up(), "layer " + l + " up rows");
            assertEquals(d.q().selectRows(rowsOfHeads(lp.keptHeads(), dense.headDim())), p.q(), "layer " + l + " q rows");
        }
        assertEquals("adaptive", plan.settings().get("schedule"));
        assertEquals("0.25", plan.settings().get("ffn"));

        JsonNode report = Json.mapper().readTree(adaptive.resolve("report.json").toFile());
        assertEquals("adaptive", report.get("schedule").asText());
        JsonNode steps = report.get("scheduleSteps").get("steps");
        assertEquals(3, steps.size());
        // 24 of 96 neurons per layer as 13, 7, 4: front-loaded ratios; the single KV group goes in the first step
        assertEquals(List.of(13, 7, 4), List.of(steps.get(0).get("ffnUnits").asInt(), steps.get(1).get("ffnUnits").asInt(),
                steps.get(2).get("ffnUnits").asInt()));
        assertEquals(1, steps.get(0).get("kvGroups").asInt());
        assertTrue(steps.get(1).path("headRatio").isMissingNode() || steps.get(1).get("headRatio").isNull(), "no heads left to remove");
        double previous = 1;
        for (JsonNode s : steps) {
            assertTrue(s.get("ffnRatio").asDouble() < previous, s.toString());
            previous = s.get("ffnRatio").asDouble();
            assertTrue(s.get("perplexityAfter").asDouble() > 0 && s.get("wallSeconds").asDouble() > 0, s.toString());
        }
        assertEquals(72, steps.get(2).get("layerSizes").get(1).get("ffn").asInt());
        // the summary's before is the original model, its after the last step's output
        assertEquals(steps.get(0).get("perplexityBefore").asDouble(), report.get("summary").get("pplBefore").asDouble(), 1e-9);
        assertEquals(steps.get(2).get("perplexityAfter").asDouble(), report.get("summary").get("pplAfter").asDouble(), 1e-9);
        assertEquals(pruned.parameterCount(), report.get("summary").get("paramsAfter").asLong());
    }

    @Test
    void globalAllocationRemovesOneShotsTotalAndRecoveryRunsBetweenSteps() throws IOException {
        Path model = model(), oneShot = tmp.resolve("g1"), adaptive = tmp.resolve("g3");
        ObjectNode req = request(model, "wanda-sp").put("allocation", "global").put("headRatio", 0.0);
        run(model, req, oneShot);
        run(model, req.deepCopy().put("schedule", "adaptive").put("scheduleSteps", 3).put("recoverSteps", 2), adaptive);

        int total = sizes(oneShot).stream().mapToInt(LayerSizes::ffn).sum();
        assertEquals(192 - 48, total);
        assertEquals(total, sizes(adaptive).stream().mapToInt(LayerSizes::ffn).sum(), "the model's total is exact; layers may differ");
        PruningPlan plan = PruningPlan.read(adaptive.resolve("plan.json"));
        for (LayerPlan lp : plan.layers()) {
            assertStrictlyAscendingWithin(lp.keptFfn(), 96);
        }
        JsonNode steps = Json.mapper().readTree(adaptive.resolve("report.json").toFile()).get("scheduleSteps").get("steps");
        assertEquals(3, steps.size());
        assertEquals(2, steps.get(0).get("recover").get("steps").asInt());
        assertEquals(2, steps.get(1).get("recover").get("steps").asInt());
        assertTrue(steps.get(2).path("recover").isMissingNode() || steps.get(2).get("recover").isNull(), "no recovery after the last step");
        assertFalse(Files.exists(tmp.resolve("g3.partial")));
    }

    @Test
    void uniformOnALayerWidthMixIsRefusedNamingTheSchedule() throws IOException {
        Path model = model(), mixed = tmp.resolve("mixed");
        run(model, request(model, "magnitude").put("allocation", "global").put("headRatio", 0.0), mixed);
        Files.copy(WeightSparsityRunTest.TOKENIZER, mixed.resolve("tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        List<LayerSizes> widths = sizes(mixed);
        assertTrue(widths.get(0).ffn() != widths.get(1).ffn(), "global allocation gives this fixture's layers different widths: " + widths);
        RequestValidationException e = assertThrows(RequestValidationException.class,
                () -> run(mixed, request(mixed, "mi").put("headRatio", 0.0).put("schedule", "adaptive"), tmp.resolve("again")));
        assertEquals("schedule", e.field());
        assertTrue(e.reason().contains("same FFN widths in every layer"), e.reason());
    }

    static void assertStrictlyAscendingWithin(int[] kept, int units) {
        for (int i = 0; i < kept.length; i++) {
            assertTrue(kept[i] >= 0 && kept[i] < units && (i == 0 || kept[i] > kept[i - 1]), java.util.Arrays.toString(kept));
        }
    }

    static int[] rowsOfHeads(int[] heads, int headDim) {
        int[] rows = new int[heads.length * headDim];
        for (int i = 0; i < heads.length; i++) {
            for (int j = 0; j < headDim; j++) {
                rows[i * headDim + j] = heads[i] * headDim + j;
            }
        }
        return rows;
    }
}
