package dev.secateur.prune.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** `--out` of the commands that write a new folder (prune, and the tools' make-random) and refuse one holding files. */
public class EmptyOutputFolderOption {
    @Option(names = "--out", required = true, paramLabel = "<out>", description = "output folder (created; must be empty)")
    Path path;

    public Path path() {
        return path;
    }

    /** Checked before any work is done, so that a long run cannot end by mixing its files with someone else's. */
    public void requireEmpty() {
        if (!Files.isDirectory(path)) {
            return; // the command creates it; a file in the way fails there
        }
        try (var entries = Files.list(path)) {
            if (entries.findAny().isPresent()) {
                throw new IllegalArgumentException("--out: " + path + " is not empty");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("--out: cannot list " + path + " (" + e.getMessage() + ")", e);
        }
    }
}
