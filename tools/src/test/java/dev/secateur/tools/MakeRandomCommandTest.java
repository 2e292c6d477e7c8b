package dev.secateur.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The refusals of make-random, which come before any weight is written (a real shape is too large for a test). */
class MakeRandomCommandTest {

    private static void assertRefused(ToolRun r, String message) {
        assertEquals(1, r.exitCode(), r.out());
        assertTrue(r.err().contains(message), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void refusesUnknownShapesAndDtypes(@TempDir Path dir) {
        assertRefused(ToolRun.of("make-random", "--shape", "llama-9000", "--out", dir.resolve("a").toString()),
                "--shape: unknown shape 'llama-9000' (known: ");
        assertRefused(ToolRun.of("make-random", "--shape", "llama-125m", "--dtype", "int4", "--out", dir.resolve("b").toString()),
                "--dtype: unknown dtype 'int4'");
        assertFalse(Files.exists(dir.resolve("a")) || Files.exists(dir.resolve("b")));
    }

    @Test
    void refusesAFolderThatIsNotEmpty(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("keep.txt"), "mine");
        assertRefused(ToolRun.of("make-random", "--shape", "llama-125m", "--out", dir.toString()), "--out: " + dir + " is not empty");
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "nothing written beside keep.txt");
        }
    }

    @Test
    void refusesAMissingTokenizer(@TempDir Path dir) {
        assertRefused(ToolRun.of("make-random", "--shape", "llama-125m", "--tokenizer", dir.resolve("none.json").toString(),
                "--out", dir.resolve("m").toString()), "--tokenizer: ");
    }
}
