package dev.secateur.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AtomicFilesTest {

    @TempDir
    Path dir;

    @Test
    void replacesContentAndLeavesNoTempFiles() throws IOException {
        Path target = dir.resolve("sub/report.json");
        AtomicFiles.writeAtomically(target, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        AtomicFiles.writeAtomically(target, "{\"a\":2}".getBytes(StandardCharsets.UTF_8));
        assertEquals("{\"a\":2}", Files.readString(target));
        try (Stream<Path> files = Files.list(target.getParent())) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void sha256MatchesKnownVector() throws IOException {
        // NIST test vector for "abc".
        String abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assertEquals(abc, Sha256.hex("abc".getBytes(StandardCharsets.US_ASCII)));
        Path f = dir.resolve("abc.txt");
        Files.writeString(f, "abc");
        assertEquals(abc, Sha256.hex(f));
    }
}
