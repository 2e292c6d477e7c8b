package dev.secateur.prune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.json.Json;
import dev.secateur.testsupport.Fixtures;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `prune --schedule/--schedule-steps/--recover-steps`: a run from the command line, and bad input named by its option. */
@QuarkusMainTest
@TestProfile(CliTest.OneShot.class)
class ScheduleCliTest {

    private static LaunchResult prune(QuarkusMainLauncher launcher, String model, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("prune", "--model", model, "--calibration", CliTest.path("text/words.txt"),
                "--samples", "4", "--seq-len", "16", "--device", "cpu", "--export", "none", "--out", out.toString()));
        args.addAll(List.of(extra));
        return launcher.launch(args.toArray(String[]::new));
    }

    private static void assertRefused(QuarkusMainLauncher launcher, Path out, String option, String reason, String... extra) {
        LaunchResult r = prune(launcher, CliTest.path("fixtures/llama-gqa"), out, extra);
        assertEquals(1, r.exitCode(), r.getOutput());
        String err = r.getErrorOutput();
        assertTrue(err.contains(option + ": ") && err.contains(reason), err);
        assertFalse(Files.exists(out), out + " was left behind");
    }

    @Test
    void badScheduleInputNamesTheOption(QuarkusMainLauncher launcher, @TempDir Path tmp) {
        assertRefused(launcher, tmp.resolve("a"), "--schedule", "must be one of [one-shot, adaptive]", "--schedule", "gradual");
        assertRefused(launcher, tmp.resolve("b"), "--ffn-ratio", "nothing to split", "--schedule", "adaptive", "--ffn-ratio", "0");
        assertRefused(launcher, tmp.resolve("c"), "--schedule-steps", "must be 2 to 16", "--schedule", "adaptive", "--schedule-steps", "0");
        assertRefused(launcher, tmp.resolve("d"), "--schedule-steps", "1 step is schedule one-shot", "--schedule", "adaptive",
                "--schedule-steps", "1");
        assertRefused(launcher, tmp.resolve("e"), "--recover-steps", "must be >= 0", "--schedule", "adaptive", "--recover-steps", "-1");
        assertRefused(launcher, tmp.resolve("f"), "--schedule-steps", "schedule adaptive only", "--schedule-steps", "3");
        assertRefused(launcher, tmp.resolve("g"), "--drop-layers", "must be 0 with schedule adaptive", "--schedule", "adaptive",
                "--drop-layers", "1");
        assertRefused(launcher, tmp.resolve("h"), "--mi-threshold", "no total to split", "--schedule", "adaptive", "--mi-threshold", "1");
        assertRefused(launcher, tmp.resolve("i"), "--schedule", "zeroes single weights", "--schedule", "adaptive", "--method", "wanda",
                "--sparsity", "0.5");
    }

    @Test
    void anAdaptiveRunWritesTheOneShotWidthsAndItsSteps(QuarkusMainLauncher launcher, @TempDir Path tmp) throws IOException {
        Path model = tmp.resolve("model");
        Files.createDirectories(model);
        try (Stream<Path> files = Files.list(Fixtures.dir("llama-gqa"))) {
            for (Path f : files.toList()) {
                Files.copy(f, model.resolve(f.getFileName()));
            }
        }
        Files.copy(Path.of(CliTest.path("fixtures/tokenizer.json")), model.resolve("tokenizer.json"));
        Path out = tmp.resolve("out");
        LaunchResult r = prune(launcher, model.toString(), out, "--method", "magnitude", "--ffn-ratio", "0.3", "--schedule", "adaptive",
                "--schedule-steps", "4");
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        JsonNode report = Json.mapper().readTree(out.resolve("report.json").toFile());
        assertEquals(4, report.get("request").get("scheduleSteps").asInt());
        JsonNode steps = report.get("scheduleSteps").get("steps");
        int removed = 0;
        for (JsonNode s : steps) {
            removed += s.get("ffnUnits").asInt();
        }
        assertEquals(Math.round(0.3 * 96), removed, "round(0.3 · 96) = 29 neurons per layer over the steps");
        assertEquals(96 - 29, report.get("layerSizes").get(0).get("ffn").asInt());
        assertFalse(Files.exists(tmp.resolve("out.partial")));
    }
}
