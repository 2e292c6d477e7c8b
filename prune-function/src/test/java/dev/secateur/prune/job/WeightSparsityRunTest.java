package dev.secateur.prune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.events.PruneRequest;
import dev.secateur.events.RequestValidationException;
import dev.secateur.json.Json;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.eval.DjlLanguageModel;
import dev.secateur.prune.eval.OrtLanguageModel;
import dev.secateur.prune.eval.Perplexity;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weight sparsity through the runner the CLI and the service share: request → streaming engine → checkpoint,
 * ONNX export and report.json, on the small GQA Llama fixture.
 */
class WeightSparsityRunTest {
    static final Path TEXT = Path.of("src/test/resources/text/words.txt").toAbsolutePath();
    static final Path TOKENIZER = dev.secateur.testsupport.Fixtures.dir("tokenizer.json");

    @TempDir
    Path tmp;

    Path model() throws IOException {
        return model("llama-gqa");
    }

    Path model(String fixture) throws IOException {
        Path dst = tmp.resolve(fixture);
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(Fixtures.dir(fixture))) {
            for (Path f : files.toList()) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        Files.copy(TOKENIZER, dst.resolve("tokenizer.json"));
        return dst;
    }

    static ObjectNode request(Path model, String method) {
        ObjectNode r = Json.mapper().createObjectNode();
        r.putObject("source").put("path", model.toString());
        r.put("method", method).put("calibration", TEXT.toString()).put("samples", 8).put("seqLen", 16)
                .put("eval", TEXT.toString()).put("evalSeqLen", 16).put("outputModel", "sparse");
        return r;
    }

    JobOutcome run(Path model, JsonNode json, Path out, boolean export) throws IOException {
        Files.createDirectories(out);
        PruneRequest req = PruneRequest.parseValid(json);
        return new PipelineJobRunner().prune(new PruneTask("t", req, model, TEXT, TEXT, out, "cpu", export), JobProgress.NONE);
    }

    @Test
    void sparseGpt24ExportsDenseZerosThatOnnxRuntimeScoresLikeTheCheckpoint() throws IOException {
        Path model = model(), out = tmp.resolve("sparsegpt-24");
        ObjectNode json = request(model, "sparsegpt").put("sparsity", 0.5).put("pattern", "2:4");
        run(model, json, out, true);

        DecoderWeights sparse = DecoderWeights.load(out), dense = DecoderWeights.load(model);
        for (int l = 0; l < sparse.layers().size(); l++) {
            LayerWeights w = sparse.layers().get(l);
            for (Tensor t : new Tensor[] {w.q(), w.k(), w.v(), w.o(), w.gate(), w.up(), w.down()}) {
                assertEquals(0.5, zeros(t), 1e-12, "layer " + l + " " + t);
            }
            assertEquals(dense.layers().get(l).q().numel(), w.q().numel(), "zeros are stored dense: shapes unchanged");
        }

        JsonNode report = Json.mapper().readTree(out.resolve("report.json").toFile());
        JsonNode s = report.get("sparsity");
        assertEquals("2:4", s.get("pattern").asText());
        assertEquals(2 * 7, s.get("matrices").size(), "7 linear layers in each of 2 blocks");
        for (JsonNode m : s.get("matrices")) {
            assertEquals(0.5, m.get("sparsity").asDouble(), 1e-12, m.toString());
            assertEquals(0, m.get("groupsBreakingPattern").asLong(), m.toString());
        }
        assertEquals(0.5, s.get("linearSparsity").asDouble(), 1e-12);
        assertTrue(s.get("modelSparsity").asDouble() < 0.5 && s.get("modelSparsity").asDouble() > 0, "embeddings and head stay dense");
        assertTrue(s.get("storage").asText().contains("no speed-up"), s.get("storage").asText());
        assertEquals(report.get("summary").get("paramsBefore").asLong(), report.get("summary").get("paramsAfter").asLong(),
                "no parameter is removed, only zeroed");

        // the ONNX graph holds the same zeros: perplexity on ONNX Runtime matches the checkpoint's on DJL
        Perplexity ppl = new Perplexity(16, 0, 2);
        try (TextTokenizer tok = TextTokenizer.load(TOKENIZER);
                DjlLanguageModel djl = new DjlLanguageModel(DecoderModel.load(out, Device.cpu()));
                OrtLanguageModel ort = new OrtLanguageModel(OrtDecoder.open(out))) {
            Perplexity.Result a = ppl.evaluate(djl, tok, TEXT), b = ppl.evaluate(ort, tok, TEXT);
            assertEquals(a.tokens(), b.tokens());
            assertEquals(a.perplexity(), b.perplexity(), 1e-4 * a.perplexity());
            assertEquals(report.get("summary").get("pplAfter").asDouble(), a.perplexity(), 1e-4 * a.perplexity(),
                    "the engine's after-figure is the written checkpoint's perplexity");
        }
    }

    @Test
    void gpt2AndQwen2BlocksGetThePatternInEveryLinearLayerAndExportLikeTheirCheckpoint() throws IOException {
        // GPT-2's fused Conv1D c_attn is split into q/k/v on read and fused again on write; Qwen2 has q/k/v biases
        for (String fixture : new String[] {"gpt2", "qwen2"}) {
            Path model = model(fixture), out = tmp.resolve(fixture + "-48");
            run(model, request(model, "sparsegpt").put("sparsity", 0.5).put("pattern", "4:8"), out, true);
            JsonNode s = Json.mapper().readTree(out.resolve("report.json").toFile()).get("sparsity");
            assertEquals(fixture.equals("gpt2") ? 2 * 6 : 2 * 7, s.get("matrices").size(), fixture + ": " + s);
            for (JsonNode m : s.get("matrices")) {
                assertEquals(0.5, m.get("sparsity").asDouble(), 1e-12, fixture + " " + m);
                assertEquals(0, m.get("groupsBreakingPattern").asLong(), fixture + " " + m);
            }
            Perplexity ppl = new Perplexity(16, 0, 2);
            try (TextTokenizer tok = TextTokenizer.load(TOKENIZER);
                    DjlLanguageModel djl = new DjlLanguageModel(DecoderModel.load(out, Device.cpu()));
                    OrtLanguageModel ort = new OrtLanguageModel(OrtDecoder.open(out))) {
                double a = ppl.evaluate(djl, tok, TEXT).perplexity(), b = ppl.evaluate(ort, tok, TEXT).perplexity();
                assertEquals(a, b, 1e-4 * a, fixture);
            }
        }
    }

    @Test
    void wandaUnstructuredMeetsTheTargetInEveryMatrix() throws IOException {
        Path model = model(), out = tmp.resolve("wanda-60");
        run(model, request(model, "wanda").put("sparsity", 0.6), out, false);
        JsonNode s = Json.mapper().readTree(out.resolve("report.json").toFile()).get("sparsity");
        assertEquals("unstructured", s.get("pattern").asText());
        for (JsonNode m : s.get("matrices")) {
            assertEquals(0.6, m.get("sparsity").asDouble(), 0.005, m.toString());
        }
    }

    @Test
    void sparseLlmReportsItsObjectivePerBlockAndMeetsThePattern() throws IOException {
        Path model = model(), out = tmp.resolve("sparsellm-48");
        run(model, request(model, "sparsellm").put("sparsity", 0.5).put("pattern", "4:8"), out, false);
        JsonNode report = Json.mapper().readTree(out.resolve("report.json").toFile());
        for (JsonNode m : report.get("sparsity").get("matrices")) {
            assertEquals(0.5, m.get("sparsity").asDouble(), 1e-12, m.toString());
            assertEquals(0, m.get("groupsBreakingPattern").asLong(), m.toString());
        }
        JsonNode traces = report.get("sparsellm");
        assertEquals(2, traces.size(), "one trace per block");
        for (JsonNode t : traces) {
            JsonNode obj = t.get("objective");
            assertTrue(obj.size() > 1, t.toString());
            for (int i = 1; i < obj.size(); i++) {
                assertTrue(obj.get(i).asDouble() <= obj.get(i - 1).asDouble() * (1 + 1e-9), t.toString());
            }
        }
    }

    @Test
    void sparseLlmOnAnFfnWithoutAGateIsRefusedNamingTheMethod() throws IOException {
        Path gpt2 = tmp.resolve("gpt2");
        Files.createDirectories(gpt2);
        try (Stream<Path> files = Files.list(Fixtures.dir("gpt2"))) {
            for (Path f : files.toList()) {
                Files.copy(f, gpt2.resolve(f.getFileName()));
            }
        }
        Files.copy(TOKENIZER, gpt2.resolve("tokenizer.json"));
        RequestValidationException e = assertThrows(RequestValidationException.class,
                () -> run(gpt2, request(gpt2, "sparsellm").put("sparsity", 0.5), tmp.resolve("gpt2-out"), false));
        assertEquals("method", e.field());
        assertTrue(e.reason().contains("no gate"), e.reason());
    }

    @Test
    void aPatternWhoseGroupsCannotTileALayerIsRefusedNamingThePatternAndLeavesNothing() throws IOException {
        Path model = model(), narrowed = tmp.resolve("narrowed");
        // 30 % of 96 FFN neurons removed leaves 67, which groups of 4 cannot tile
        run(model, request(model, "magnitude").put("ffnRatio", 0.3).put("compensation", "none"),
                narrowed, false);
        Files.copy(TOKENIZER, narrowed.resolve("tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(67, DecoderWeights.load(narrowed).layers().get(0).ffnWidth());
        Path out = tmp.resolve("refused");
        RequestValidationException e = assertThrows(RequestValidationException.class,
                () -> run(narrowed, request(narrowed, "wanda").put("sparsity", 0.5).put("pattern", "2:4"), out, false));
        assertEquals("pattern", e.field());
        assertTrue(e.reason().contains("divisible by 4") && e.reason().contains("down_proj") && e.reason().contains("67"), e.reason());
        try (Stream<Path> left = Files.list(out)) {
            assertFalse(left.findAny().isPresent(), "nothing written");
        }
    }

    @Test
    void anEncoderGetsTheSameSparsityInItsLinearLayers() throws IOException {
        // all-MiniLM-L6-v2: q/k/v, attention output, intermediate and output dense layers of 6 post-LN blocks
        Path model = dev.secateur.prune.encoder.MiniLm.folder(), out = tmp.resolve("minilm-48");
        ObjectNode r = Json.mapper().createObjectNode();
        r.putObject("source").put("path", model.toString());
        r.put("method", "wanda").put("sparsity", 0.5).put("pattern", "4:8")
                .put("calibration", dev.secateur.prune.encoder.MiniLm.calibration().toString())
                .put("eval", dev.secateur.prune.encoder.MiniLm.heldOut().toString()).put("samples", 32).put("seqLen", 64).put("outputModel", "m");
        Files.createDirectories(out);
        PruneRequest req = PruneRequest.parseValid(r);
        new PipelineJobRunner().prune(new PruneTask("t", req, model, dev.secateur.prune.encoder.MiniLm.calibration(),
                dev.secateur.prune.encoder.MiniLm.heldOut(), out, "cpu", false), JobProgress.NONE);
        JsonNode report = Json.mapper().readTree(out.resolve("report.json").toFile());
        JsonNode s = report.get("sparsity");
        assertEquals(6 * 6, s.get("matrices").size(), "6 linear layers (no gate) in each of 6 blocks");
        for (JsonNode m : s.get("matrices")) {
            assertEquals(0.5, m.get("sparsity").asDouble(), 1e-12, m.toString());
            assertEquals(0, m.get("groupsBreakingPattern").asLong(), m.toString());
        }
        double cosine = report.get("meanCosine").asDouble();
        assertTrue(cosine > 0 && cosine < 1, "embedding fidelity is measured, and 4:8 sparsity changes the embeddings: " + cosine);
    }

    private static double zeros(Tensor t) {
        long z = 0;
        for (float v : t.data()) {
            z += v == 0f ? 1 : 0;
        }
        return (double) z / t.numel();
    }
}
