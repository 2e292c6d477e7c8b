package dev.secateur.prune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.onnx.ArtifactWriter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@QuarkusMainTest
@TestProfile(CliTest.OneShot.class)
class CliTest {

    /** As the "cli" profile does: a one-shot command opens no HTTP port. */
    public static class OneShot implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.host-enabled", "false",
                    "mp.messaging.incoming.prune-requests.enabled", "false",
                    "mp.messaging.outgoing.prune-events.enabled", "false",
                    "secateur.jobs.resume-on-start", "false");
        }
    }

    /** A file on the test classpath: src/test/resources, and the reference fixtures under fixtures/. */
    static String path(String resource) {
        try { // the test classpath: src/test/resources and the reference fixtures (tools/reference/fixtures)
            return Path.of(CliTest.class.getResource("/" + resource).toURI()).toString();
        } catch (java.net.URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("no test resource " + resource, e);
        }
    }

    private static JsonNode jsonLine(LaunchResult r) throws Exception {
        String line = r.getOutputStream().stream().filter(l -> l.startsWith("{")).findFirst()
                .orElseThrow(() -> new AssertionError("no JSON line in: " + r.getOutput()));
        return new ObjectMapper().readTree(line);
    }

    @Test
    void inspectShowsArchitectureSizesAndDtype(QuarkusMainLauncher launcher) {
        LaunchResult r = launcher.launch("inspect", "--model", path("fixtures/llama-tied-bf16"));
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        String out = r.getOutput();
        assertTrue(out.contains("LlamaForCausalLM"), out);
        assertTrue(out.contains("BF16"), out);
        assertTrue(out.contains("tied embeddings: yes"), out);
        assertTrue(out.matches("(?s).*\\n1\\s+4\\s+4\\s+96.*"), out);
    }

    @Test
    void datasetUploadAndList(QuarkusMainLauncher launcher, @TempDir Path store) throws Exception {
        LaunchResult up = launcher.launch("dataset", "upload", "--store", store.toString(), "--name", "words", path("text/words.txt"));
        assertEquals(0, up.exitCode(), up.getErrorOutput());
        JsonNode line = jsonLine(up);
        assertEquals("words", line.get("dataset").asText());
        assertEquals(java.nio.file.Files.size(Path.of(path("text/words.txt"))), line.get("bytes").asLong());
        LaunchResult list = launcher.launch("dataset", "list", "--store", store.toString());
        assertEquals(0, list.exitCode(), list.getErrorOutput());
        assertEquals(line, jsonLine(list));
        LaunchResult bad = launcher.launch("dataset", "upload", "--store", store.toString(), "--name", "../x", path("text/words.txt"));
        assertTrue(bad.exitCode() != 0, "an invalid name is refused");
    }

    @Test
    void inspectJson(QuarkusMainLauncher launcher) throws Exception {
        LaunchResult r = launcher.launch("inspect", "--json", "--model", path("fixtures/qwen2"));
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        JsonNode j = jsonLine(r);
        assertEquals("Qwen2ForCausalLM", j.get("architecture").asText());
        assertEquals("F16", j.get("dtype").asText());
        assertEquals(2, j.get("layers").get(0).get("kvHeads").asInt());
        assertEquals(96, j.get("layers").get(1).get("ffn").asInt());
        assertEquals(128, j.get("contextLength").asInt(), "use_sliding_window false: the sliding_window 128 is not applied, max positions 128");
        assertTrue(j.get("parameters").asLong() > 0);
    }

    @Test
    void evalPrintsOneJsonLine(QuarkusMainLauncher launcher) throws Exception {
        LaunchResult r = launcher.launch("eval", "--model", path("fixtures/llama-gqa"), "--tokenizer", path("fixtures/tokenizer.json"),
                "--text", path("text/words.txt"), "--seq-len", "16", "--max-tokens", "100", "--device", "cpu");
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        JsonNode j = jsonLine(r);
        assertEquals(96, j.get("tokens").asLong());
        assertEquals(16, j.get("seqLen").asInt());
        assertEquals("cpu", j.get("device").asText());
        double ppl = j.get("perplexity").asDouble();
        assertTrue(ppl > 1 && ppl < 10_000, "perplexity " + ppl);
        assertTrue(j.get("seconds").asDouble() >= 0);
    }

    @Test
    void evalRunsAnOnnxExportOnOnnxRuntime(QuarkusMainLauncher launcher, @TempDir Path out) throws Exception {
        ArtifactWriter.writeFolder(Path.of(path("fixtures/llama-gqa")), out, ArtifactWriter.Options.defaults(false));
        String[] args = {"--tokenizer", path("fixtures/tokenizer.json"), "--text", path("text/words.txt"), "--seq-len", "16", "--device", "cpu"};
        LaunchResult onnx = launcher.launch(concat(new String[] {"eval", "--model", out.toString()}, args));
        assertEquals(0, onnx.exitCode(), onnx.getErrorOutput());
        LaunchResult djl = launcher.launch(concat(new String[] {"eval", "--model", path("fixtures/llama-gqa")}, args));
        assertEquals("onnxruntime-cpu", jsonLine(onnx).get("device").asText());
        double a = jsonLine(onnx).get("perplexity").asDouble(), b = jsonLine(djl).get("perplexity").asDouble();
        assertEquals(b, a, 1e-4 * b);
    }

    /** Mistral's sliding_window 32 is masked, its context 128: eval runs past the window, and eval and prune refuse past 128, naming the option. */
    @Test
    void windowsPastTheContextAreRefusedNamingTheOption(QuarkusMainLauncher launcher, @TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("mistral");
        java.nio.file.Files.createDirectories(model);
        try (var files = java.nio.file.Files.list(dev.secateur.testsupport.Fixtures.dir("mistral"))) {
            for (Path f : files.toList()) {
                java.nio.file.Files.copy(f, model.resolve(f.getFileName()));
            }
        }
        java.nio.file.Files.copy(Path.of(path("fixtures/tokenizer.json")), model.resolve("tokenizer.json"));
        LaunchResult eval = launcher.launch("eval", "--model", model.toString(), "--text", path("text/words.txt"),
                "--seq-len", "200", "--device", "cpu");
        assertEquals(1, eval.exitCode());
        assertTrue(eval.getErrorOutput().contains("--seq-len: 200 exceeds the model's context of 128 tokens (max_position_embeddings 128"),
                eval.getErrorOutput());
        LaunchResult ok = launcher.launch("eval", "--model", model.toString(), "--text", path("text/words.txt"),
                "--seq-len", "48", "--max-tokens", "96", "--device", "cpu");
        assertEquals(0, ok.exitCode(), ok.getErrorOutput());
        LaunchResult prune = launcher.launch("prune", "--model", model.toString(), "--method", "magnitude", "--ffn-ratio", "0.25",
                "--calibration", path("text/words.txt"), "--seq-len", "129", "--device", "cpu", "--out", tmp.resolve("out").toString());
        assertEquals(1, prune.exitCode());
        assertTrue(prune.getErrorOutput().contains("--seq-len: must not exceed the model's context of 128 tokens"), prune.getErrorOutput());
        assertFalse(java.nio.file.Files.exists(tmp.resolve("out")), "nothing left behind");
    }

    private static String[] concat(String[] a, String[] b) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(a), java.util.Arrays.stream(b)).toArray(String[]::new);
    }

    @Test
    void badModelPathFailsWithMessageAndNoStackTrace(QuarkusMainLauncher launcher) {
        LaunchResult r = launcher.launch("inspect", "--model", "/nonexistent/model");
        assertEquals(1, r.exitCode());
        assertTrue(r.getErrorOutput().contains("/nonexistent/model: model folder does not exist"), r.getErrorOutput());
        assertFalse(r.getErrorOutput().contains("\tat "), r.getErrorOutput());
    }

    /** --out must be a new or empty folder: a folder holding files, or a file, is refused before anything runs. */
    @Test
    void pruneRefusesAnOutputThatIsNotAnEmptyFolder(QuarkusMainLauncher launcher, @TempDir Path tmp) throws Exception {
        Path full = tmp.resolve("full"), file = tmp.resolve("file");
        java.nio.file.Files.createDirectories(full);
        java.nio.file.Files.writeString(full.resolve("keep.txt"), "mine");
        java.nio.file.Files.writeString(file, "mine");
        String[] args = {"prune", "--model", path("fixtures/llama-gqa"), "--calibration", path("text/words.txt"), "--device", "cpu", "--out"};
        LaunchResult intoFull = launcher.launch(concat(args, new String[] {full.toString()}));
        assertEquals(1, intoFull.exitCode());
        assertTrue(intoFull.getErrorOutput().contains("--out: " + full + " is not empty"), intoFull.getErrorOutput());
        try (var files = java.nio.file.Files.list(full)) {
            assertEquals(1, files.count(), "nothing written beside keep.txt");
        }
        LaunchResult ontoFile = launcher.launch(concat(args, new String[] {file.toString()}));
        assertEquals(1, ontoFile.exitCode());
        assertTrue(ontoFile.getErrorOutput().contains("--out: cannot create " + file), ontoFile.getErrorOutput());
        assertFalse(ontoFile.getErrorOutput().contains("\tat "), ontoFile.getErrorOutput());
        assertEquals("mine", java.nio.file.Files.readString(file));
    }

    @Test
    void textTooShortFails(QuarkusMainLauncher launcher) {
        LaunchResult r = launcher.launch("eval", "--model", path("fixtures/gpt2"), "--tokenizer", path("fixtures/tokenizer.json"),
                "--text", path("text/short.txt"), "--seq-len", "16", "--device", "cpu");
        assertEquals(1, r.exitCode());
        assertTrue(r.getErrorOutput().contains("fewer than one window of seqLen+1 = 17"), r.getErrorOutput());
    }

    /** The MI options' bad values are refused before any work, each error naming its option. */
    @Test
    void badMiOptionsNameTheOption(QuarkusMainLauncher launcher, @TempDir Path tmp) {
        String model = Path.of("..", "models", "kjv-llama").toAbsolutePath().normalize().toString();
        String calib = Path.of("..", "data", "kjv-calib.txt").toAbsolutePath().normalize().toString();
        String[][] cases = {
            {"--mi-alpha", "3", "--mi-alpha: the pipeline computes Rényi MI at α = 2 only"},
            {"--mi-alpha", "0", "--mi-alpha: must be a finite number > 0"},
            {"--mi-tokens", "0", "--mi-tokens: must be >= 2"},
            {"--mi-tokens", "5000", "--mi-tokens: must not exceed the calibration tokens (samples × seqLen = 4096)"},
            {"--mi-threshold", "-1", "--mi-threshold: must be a finite number of bits >= 0"}};
        int i = 0;
        for (String[] c : cases) {
            LaunchResult r = launcher.launch("prune", "--model", model, "--method", "mi-pairwise", "--calibration", calib, "--device", "cpu",
                    c[0], c[1], "--out", tmp.resolve("out" + i++).toString());
            assertEquals(1, r.exitCode(), c[0] + " " + c[1]);
            assertTrue(r.getErrorOutput().contains(c[2]), c[0] + " " + c[1] + ": " + r.getErrorOutput());
            assertFalse(r.getErrorOutput().contains("\tat "), r.getErrorOutput());
        }
    }

    /** A Taylor estimate that does not exist, or one given to a method without gradients, is refused naming --taylor. */
    @Test
    void badTaylorEstimateNamesTheOption(QuarkusMainLauncher launcher, @TempDir Path tmp) {
        String model = Path.of("..", "models", "kjv-llama").toAbsolutePath().normalize().toString();
        String calib = Path.of("..", "data", "kjv-calib.txt").toAbsolutePath().normalize().toString();
        String[][] cases = {
            {"taylor", "foo", "--taylor: must be one of [vector, element, second-order], was 'foo'"},
            {"wanda-sp", "element", "--taylor: applies to methods taylor and fusion, not wanda-sp"},
            {"fusion", "vector", "--taylor: fusion's coarse estimate is vector-wise already"}};
        int i = 0;
        for (String[] c : cases) {
            LaunchResult r = launcher.launch("prune", "--model", model, "--method", c[0], "--taylor", c[1], "--calibration", calib,
                    "--device", "cpu", "--out", tmp.resolve("out" + i++).toString());
            assertEquals(1, r.exitCode(), c[0] + " " + c[1]);
            assertTrue(r.getErrorOutput().contains(c[2]), c[0] + " " + c[1] + ": " + r.getErrorOutput());
            assertFalse(r.getErrorOutput().contains("\tat "), r.getErrorOutput());
        }
    }

    /** mask-opt's bad values are refused before any work, each error naming its option. */
    @Test
    void badMaskOptOptionsNameTheOption(QuarkusMainLauncher launcher, @TempDir Path tmp) {
        String model = Path.of("..", "models", "kjv-llama").toAbsolutePath().normalize().toString();
        String calib = Path.of("..", "data", "kjv-calib.txt").toAbsolutePath().normalize().toString();
        String[][] cases = {
            {"--param-ratio", "1", "--param-ratio: must be > 0 and < 1"},
            {"--param-ratio", "-0.2", "--param-ratio: must be > 0 and < 1"},
            // 90 % of the parameters is more than the FFN neurons own
            {"--param-ratio", "0.9", "--param-ratio: param ratio 0.9"},
            {"--mask-iterations", "0", "--mask-iterations: must be >= 1"},
            {"--mask-samples", "1", "--mask-samples: must be >= 2"},
            {"--mask-lr", "-1", "--mask-lr: must be a finite number > 0"},
            {"--mask-init", "magnitude", "--mask-init: must be one of [mi, mi-error, uniform]"},
            {"--mask-select", "theta", "--mask-select: must be one of [mi, search], was 'theta'"},
            {"--mask-windows", "64", "--mask-windows: must be >= 1 and at most samples (32)"}};
        int i = 0;
        for (String[] c : cases) {
            LaunchResult r = launcher.launch("prune", "--model", model, "--method", "mask-opt", "--allocation", "global", "--calibration", calib,
                    "--device", "cpu", c[0], c[1], "--out", tmp.resolve("out" + i++).toString());
            assertEquals(1, r.exitCode(), c[0] + " " + c[1]);
            assertTrue(r.getErrorOutput().contains(c[2]), c[0] + " " + c[1] + ": " + r.getErrorOutput());
            assertFalse(r.getErrorOutput().contains("\tat "), r.getErrorOutput());
        }
        LaunchResult other = launcher.launch("prune", "--model", model, "--method", "mi", "--calibration", calib, "--device", "cpu",
                "--mask-samples", "4", "--out", tmp.resolve("other").toString());
        assertEquals(1, other.exitCode());
        assertTrue(other.getErrorOutput().contains("--mask-samples: applies to method mask-opt only"), other.getErrorOutput());
    }

    /** --mask-structures: bad names, an empty list and budgets the chosen structures cannot give are refused naming the option. */
    @Test
    void badMaskStructuresNameTheOption(QuarkusMainLauncher launcher, @TempDir Path tmp) {
        String model = Path.of("..", "models", "kjv-llama").toAbsolutePath().normalize().toString();
        String calib = Path.of("..", "data", "kjv-calib.txt").toAbsolutePath().normalize().toString();
        String[][] cases = {
            {"--mask-structures", "ffn,heads", "--param-ratio", "0.2", "--allocation", "global",
                "--mask-structures: 'heads' is not one of [ffn, kv-groups, layers]"},
            {"--mask-structures", "", "--param-ratio", "0.2", "--allocation", "global", "--mask-structures: must name at least one"},
            {"--mask-structures", "kv-groups,layers", "--param-ratio", "0.2", "--allocation", "uniform",
                "--mask-structures: kv-groups,layers spends one parameter budget over the whole model: it needs allocation global"},
            {"--mask-structures", "kv-groups", "--ffn-ratio", "0.2", "--allocation", "global", "--mask-structures: kv-groups needs paramRatio"},
            // one layer of the demo model is 754,176 parameters, 11 % of them
            {"--mask-structures", "layers", "--param-ratio", "0.05", "--allocation", "global",
                "--param-ratio: param ratio 0.05 (331,123 of 6,622,464 parameters) over mask structures [layers] removes less than the cheapest unit"},
            // 6 of the 12 KV groups can go (one stays per layer): 491,520 parameters
            {"--mask-structures", "kv-groups", "--param-ratio", "0.3", "--allocation", "global",
                "--param-ratio: param ratio 0.3 (1,986,739 of 6,622,464 parameters) over mask structures [kv-groups] removes more than those structures can: at most 491,520"}};
        int i = 0;
        for (String[] c : cases) {
            List<String> args = new java.util.ArrayList<>(List.of("prune", "--model", model, "--method", "mask-opt", "--calibration", calib,
                    "--device", "cpu", "--out", tmp.resolve("out" + i++).toString()));
            args.addAll(List.of(c).subList(0, c.length - 1));
            LaunchResult r = launcher.launch(args.toArray(String[]::new));
            String expected = c[c.length - 1];
            assertEquals(1, r.exitCode(), String.join(" ", c));
            assertTrue(r.getErrorOutput().contains(expected), String.join(" ", c) + ": " + r.getErrorOutput());
            assertFalse(r.getErrorOutput().contains("\tat "), r.getErrorOutput());
        }
    }

    /** `prune` on an encoder folder goes through the service's runner too: the same files, the fidelity in report.json. */
    @Test
    void pruneOnAnEncoderFolderWritesAServableEncoder(QuarkusMainLauncher launcher, @TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("minilm-cli");
        LaunchResult r = launcher.launch("prune", "--model", dev.secateur.prune.encoder.MiniLm.folder().toString(), "--method", "magnitude",
                "--compensation", "bias", "--ffn-ratio", "0.2", "--calibration", dev.secateur.prune.encoder.MiniLm.calibration().toString(),
                "--eval", dev.secateur.prune.encoder.MiniLm.heldOut().toString(), "--samples", "32", "--device", "cpu", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        JsonNode summary = jsonLine(r).get("summary");
        assertTrue(summary.get("paramsAfter").asLong() < summary.get("paramsBefore").asLong(), summary.toString());
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals("encoder", report.get("kind").asText());
        assertTrue(report.get("meanCosine").asDouble() > 0.8 && report.get("recallAt1").asDouble() > 0, report.toString());
        try (dev.secateur.runtime.OrtEncoder onnx = dev.secateur.runtime.OrtEncoder.open(out.resolve("model.onnx"), 1, false)) {
            assertEquals("encoder", onnx.metadata().get("secateur.kind"));
            assertTrue(onnx.metadata().get("secateur.layer_sizes").contains("\"ffn\":1229"), onnx.metadata().toString());
        }
    }
}
