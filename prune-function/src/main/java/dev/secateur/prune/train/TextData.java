package dev.secateur.prune.train;

import dev.secateur.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading and tokenising training/evaluation text files, with clear errors for bad paths. */
public final class TextData {
    private TextData() {
    }

    /** The file's text; fails clearly if it is missing, not a file, or empty. */
    public static String read(Path file, String option) {
        if (file == null) {
            throw new IllegalArgumentException(option + " is required");
        }
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(option + " " + file + ": text file does not exist");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(option + " " + file + ": not a regular file");
        }
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8);
            if (s.isBlank()) {
                throw new IllegalArgumentException(option + " " + file + ": text file is empty");
            }
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(option + " " + file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    public static int[] tokens(TextTokenizer tok, String text) {
        long[] ids = tok.encode(text);
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /** Creates a folder (and parents) and proves it writable, naming the option on failure. */
    public static void requireWritableDir(Path dir, String option) {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".probe", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException(option + " " + dir + ": folder is not writable (" + e + ")", e);
        }
    }
}
