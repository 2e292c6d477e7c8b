package dev.secateur.prune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** `prune --sparsity/--pattern` with bad input: exit 1 and one line on stderr naming the command-line option at fault. */
@QuarkusMainTest
@TestProfile(CliTest.OneShot.class)
class SparsityCliTest {

    private static LaunchResult prune(QuarkusMainLauncher launcher, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("prune", "--model", CliTest.path("fixtures/llama-gqa"), "--calibration", CliTest.path("text/words.txt"),
                "--samples", "4", "--seq-len", "16", "--out", out.toString()));
        args.addAll(List.of(extra));
        return launcher.launch(args.toArray(String[]::new));
    }

    private static void assertRefused(LaunchResult r, String option, String reason) {
        assertEquals(1, r.exitCode(), r.getOutput());
        String err = r.getErrorOutput();
        assertTrue(err.contains(option + ": ") && err.contains(reason), err);
    }

    /** A refused run leaves no output folder behind, not even the empty one the command made. */
    private static void assertRefused(LaunchResult r, Path out, String option, String reason) {
        assertRefused(r, option, reason);
        assertFalse(Files.exists(out), out + " was left behind");
    }

    @Test
    void sparsityOfOneOrMoreOrBelowZeroNamesTheOption(QuarkusMainLauncher launcher, @TempDir Path tmp) {
        assertRefused(prune(launcher, tmp.resolve("a"), "--method", "wanda", "--sparsity", "1.0"), tmp.resolve("a"), "--sparsity",
                "must be > 0 and < 1");
        assertRefused(prune(launcher, tmp.resolve("b"), "--method", "sparsegpt", "--sparsity", "-0.2"), "--sparsity", "must be > 0 and < 1");
    }

    @Test
    void aPatternWithoutSparsityNamesTheOption(QuarkusMainLauncher launcher, @TempDir Path tmp) {
        assertRefused(prune(launcher, tmp.resolve("a"), "--method", "wanda", "--pattern", "2:4"), "--sparsity", "required when pattern is given");
        assertRefused(prune(launcher, tmp.resolve("b"), "--method", "wanda", "--sparsity", "0.5", "--pattern", "2x4"), "--pattern", "N:M");
    }

    @Test
    void sparsityWithAStructuredMethodOrTargetNamesTheOption(QuarkusMainLauncher launcher, @TempDir Path tmp) {
        assertRefused(prune(launcher, tmp.resolve("a"), "--method", "mi", "--sparsity", "0.5"), "--sparsity", "removes whole neurons");
        assertRefused(prune(launcher, tmp.resolve("b"), "--method", "wanda", "--sparsity", "0.5", "--ffn-ratio", "0.2"), "--ffn-ratio",
                "must be 0 with method wanda");
        assertRefused(prune(launcher, tmp.resolve("c"), "--method", "sparsegpt", "--sparsity", "0.5", "--compensation", "lsq"),
                "--compensation", "must be none");
    }
}
