package dev.secateur.prune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** secateur train / recover through the command line. */
@QuarkusMainTest
@TestProfile(CliTest.OneShot.class)
class TrainCliTest {

    static String text(int lines) {
        StringBuilder sb = new StringBuilder();
        String[] w = {"In the beginning", "God created", "the heaven", "and the earth", "and it was good"};
        for (int i = 0; i < lines; i++) {
            sb.append(w[i % w.length]).append(' ').append(w[(i * 7 + 3) % w.length]).append(".\n");
        }
        return sb.toString();
    }

    @Test
    void trainsThenRecovers(QuarkusMainLauncher launcher, @TempDir Path dir) throws Exception {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, text(400));
        Path out = dir.resolve("m");
        LaunchResult r = launcher.launch("train", "--text", text.toString(), "--out", out.toString(), "--valid-text",
                text.toString(), "--hidden", "32", "--layers", "1", "--heads", "4", "--kv-heads", "2", "--ffn", "48",
                "--vocab-merges", "60", "--seq-len", "16", "--batch", "4", "--steps", "12", "--checkpoint-every", "5",
                "--device", "cpu");
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        assertTrue(r.getErrorOutput().contains("step 12/12"), r.getErrorOutput());
        JsonNode j = new ObjectMapper().readTree(r.getOutputStream().stream().filter(l -> l.startsWith("{")).findFirst().orElseThrow());
        assertEquals(12, j.get("steps").asInt());
        assertTrue(j.get("validPerplexity").asDouble() > 1);
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));

        LaunchResult rec = launcher.launch("recover", "--model", out.toString(), "--text", text.toString(), "--out",
                dir.resolve("r").toString(), "--steps", "3", "--seq-len", "16", "--batch", "2", "--device", "cpu");
        assertEquals(0, rec.exitCode(), rec.getErrorOutput());
        assertTrue(Files.isRegularFile(dir.resolve("r/recovery.json")));
    }

    @Test
    void badSizesAndMissingTextFailWithMessages(QuarkusMainLauncher launcher, @TempDir Path dir) throws Exception {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, text(20));
        LaunchResult r = launcher.launch("train", "--text", text.toString(), "--out", dir.resolve("o").toString(),
                "--hidden", "30", "--heads", "4", "--steps", "1");
        assertEquals(1, r.exitCode());
        assertTrue(r.getErrorOutput().contains("--heads 4 does not divide --hidden 30"), r.getErrorOutput());
        assertFalse(r.getErrorOutput().contains("\tat "), r.getErrorOutput());
        LaunchResult missing = launcher.launch("train", "--text", dir.resolve("nope.txt").toString(), "--out",
                dir.resolve("o").toString(), "--steps", "1");
        assertEquals(1, missing.exitCode());
        assertTrue(missing.getErrorOutput().contains("nope.txt: text file does not exist"), missing.getErrorOutput());
    }
}
