package dev.secateur.prune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.json.Json;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `prune --target-shape`: a bad shape exits 1 with one line on stderr naming --target-shape (or the option it clashes
 * with) and leaves no folder; a good one writes a model that `inspect` shows in the target shape.
 */
@QuarkusMainTest
@TestProfile(CliTest.OneShot.class)
class TargetShapeCliTest {

    /** The llama-gqa fixture with the test tokenizer beside it, as a model folder the pipeline takes. */
    private static Path model(Path tmp) throws java.io.IOException {
        Path dir = tmp.resolve("model");
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            try (var files = Files.list(Path.of(CliTest.path("fixtures/llama-gqa")))) {
                for (Path f : files.toList()) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
            Files.copy(Path.of(CliTest.path("fixtures/tokenizer.json")), dir.resolve("tokenizer.json"));
        }
        return dir;
    }

    private static LaunchResult prune(QuarkusMainLauncher launcher, Path out, String... extra) throws java.io.IOException {
        List<String> args = new ArrayList<>(List.of("prune", "--model", model(out.getParent()).toString(), "--calibration", CliTest.path("text/words.txt"),
                "--samples", "4", "--seq-len", "16", "--export", "none", "--out", out.toString()));
        args.addAll(List.of(extra));
        return launcher.launch(args.toArray(String[]::new));
    }

    private static void assertRefused(LaunchResult r, Path out, String option, String reason) {
        assertEquals(1, r.exitCode(), r.getOutput());
        String err = r.getErrorOutput();
        assertTrue(err.contains(option + ": ") && err.contains(reason), err);
        assertFalse(Files.exists(out), out + " was left behind");
    }

    @Test
    void badShapesNameTheOption(QuarkusMainLauncher launcher, @TempDir Path tmp) throws Exception {
        assertRefused(prune(launcher, tmp.resolve("a"), "--target-shape", "hidden=64"), tmp.resolve("a"), "--target-shape",
                "hidden=64 is more than the model's hidden size 32");
        assertRefused(prune(launcher, tmp.resolve("b"), "--target-shape", "hidden=0"), tmp.resolve("b"), "--target-shape",
                "hidden must be a positive integer");
        assertRefused(prune(launcher, tmp.resolve("c"), "--target-shape", "depth=2"), tmp.resolve("c"), "--target-shape", "unknown key 'depth'");
        assertRefused(prune(launcher, tmp.resolve("d"), "--target-shape", "heads=3"), tmp.resolve("d"), "--target-shape",
                "not a multiple of the model's 2 query heads per key/value head");
        assertRefused(prune(launcher, tmp.resolve("e"), "--target-shape", "ffn=48", "--ffn-ratio", "0.3"), tmp.resolve("e"), "--ffn-ratio",
                "cannot be combined with targetShape");
        assertRefused(prune(launcher, tmp.resolve("f"), "--method", "wanda", "--sparsity", "0.5", "--compensation", "none", "--target-shape",
                "ffn=48"), tmp.resolve("f"), "--target-shape", "cannot be combined with sparsity");
        assertRefused(prune(launcher, tmp.resolve("g"), "--target-shape", "hidden=16", "--calibration-mode", "dense"), tmp.resolve("g"),
                "--target-shape", "calibration mode must be sequential");
    }

    @Test
    void inspectShowsTheTargetShape(QuarkusMainLauncher launcher, @TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("sheared");
        LaunchResult r = prune(launcher, out, "--method", "wanda-sp", "--target-shape", "layers=1,hidden=24,kv-heads=1,ffn=64");
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        LaunchResult inspect = launcher.launch("inspect", "--model", out.toString(), "--json");
        assertEquals(0, inspect.exitCode(), inspect.getErrorOutput());
        // the one JSON line (progress and logs may share the captured output)
        String line = inspect.getOutputStream().stream().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow();
        JsonNode j = Json.mapper().readTree(line);
        assertEquals(24, j.path("hidden").asInt(), j.toString());
        assertEquals("layers=1,hidden=24,heads=2,kv-heads=1,ffn=64", j.path("shape").asText(), j.toString());
        assertEquals(1, j.path("layers").size(), j.toString());
        JsonNode layer = j.path("layers").get(0);
        assertEquals(List.of(2, 1, 64), List.of(layer.path("heads").asInt(), layer.path("kvHeads").asInt(), layer.path("ffn").asInt()), j.toString());
    }
}
