package dev.secateur.prune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.prune.train.TrainJob;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** secateur recover through the command line, on a model trained as the tools' `train` does. */
@QuarkusMainTest
@TestProfile(CliTest.OneShot.class)
class RecoverCliTest {

    @Test
    void recoversATrainedModel(QuarkusMainLauncher launcher, @TempDir Path dir) throws Exception {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, "In the beginning God created the heaven and the earth. And the earth was without form.\n".repeat(150));
        Path model = dir.resolve("m");
        // train's defaults where the tools' TrainCommandTest gives none: lr 3e-3, seed 1, untied
        TrainJob.run(new TrainJob.Options(text, model, null, 32, 1, 4, 2, 48, 60, 16, 4, 12, 3e-3, 1, 5, false, "cpu", false),
                line -> { });

        LaunchResult rec = launcher.launch("recover", "--model", model.toString(), "--text", text.toString(), "--out",
                dir.resolve("r").toString(), "--steps", "3", "--seq-len", "16", "--batch", "2", "--device", "cpu");
        assertEquals(0, rec.exitCode(), rec.getErrorOutput());
        assertTrue(rec.getErrorOutput().contains("step 3/3"), rec.getErrorOutput());
        JsonNode j = new ObjectMapper().readTree(rec.getOutputStream().stream().filter(l -> l.startsWith("{")).findFirst().orElseThrow());
        assertEquals(16, j.get("seqLen").asInt());
        assertTrue(j.get("pplAfterRecovery").asDouble() > 1, j.toString());
        assertTrue(Files.isRegularFile(dir.resolve("r/recovery.json")));
    }
}
