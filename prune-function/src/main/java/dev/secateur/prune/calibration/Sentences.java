package dev.secateur.prune.calibration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** An encoder's calibration or evaluation text: one sentence per line; blank lines and lines starting with '#' are skipped. */
public final class Sentences {
    private Sentences() {
    }

    public static List<String> read(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read sentences (" + e.getMessage() + ")", e);
        }
    }
}
