package dev.secateur.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** secateur train through the tools' command line. */
class TrainCommandTest {

    static String text(int lines) {
        StringBuilder sb = new StringBuilder();
        String[] w = {"In the beginning", "God created", "the heaven", "and the earth", "and it was good"};
        for (int i = 0; i < lines; i++) {
            sb.append(w[i % w.length]).append(' ').append(w[(i * 7 + 3) % w.length]).append(".\n");
        }
        return sb.toString();
    }

    @Test
    void trainsAModelFolderWithValidation(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, text(400));
        Path out = dir.resolve("m");
        ToolRun r = ToolRun.of("train", "--text", text.toString(), "--out", out.toString(), "--valid-text",
                text.toString(), "--hidden", "32", "--layers", "1", "--heads", "4", "--kv-heads", "2", "--ffn", "48",
                "--vocab-merges", "60", "--seq-len", "16", "--batch", "4", "--steps", "12", "--checkpoint-every", "5",
                "--device", "cpu");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("step 12/12"), r.err());
        JsonNode j = r.jsonLine();
        assertEquals(12, j.get("steps").asInt());
        assertTrue(j.get("validPerplexity").asDouble() > 1);
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
    }

    @Test
    void badSizesAndMissingTextFailWithMessages(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, text(20));
        ToolRun r = ToolRun.of("train", "--text", text.toString(), "--out", dir.resolve("o").toString(),
                "--hidden", "30", "--heads", "4", "--steps", "1");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--heads 4 does not divide --hidden 30"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        ToolRun missing = ToolRun.of("train", "--text", dir.resolve("nope.txt").toString(), "--out",
                dir.resolve("o").toString(), "--steps", "1");
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("nope.txt: text file does not exist"), missing.err());
    }
}
