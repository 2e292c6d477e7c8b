package dev.secateur.prune.inputs;

import dev.secateur.events.RequestValidationException;
import dev.secateur.store.AtomicFiles;
import dev.secateur.store.ModelNames;
import dev.secateur.store.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Calibration and eval texts kept in the model store ({@code <root>/.datasets/<name>.txt}), uploaded with
 * {@code secateur dataset upload}, so a request can say {@code {"dataset": "kjv"}} and name no file at all.
 * The dot-folder is invisible to the store's model listing. Names follow the model-name rules, which is
 * what keeps a name from ever becoming a path.
 */
public final class Datasets {

    public static final String DIR = ".datasets";
    private static final String SUFFIX = ".txt";

    public record Dataset(String name, long bytes, String sha256) {
    }

    private final Path dir;

    public Datasets(Path storeRoot) {
        this.dir = storeRoot.resolve(DIR);
    }

    /** Copies {@code file} in under {@code name}, replacing an earlier upload atomically. */
    public Dataset upload(String name, Path file) {
        ModelNames.requireValid(name);
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve("." + name + "." + UUID.randomUUID() + ".tmp");
            try (InputStream in = Files.newInputStream(file)) {
                Files.copy(in, tmp);
                AtomicFiles.fsyncFile(tmp);
                AtomicFiles.moveAtomically(tmp, target(name));
            } finally {
                Files.deleteIfExists(tmp);
            }
            AtomicFiles.fsyncDirectory(dir);
            return describe(name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot upload dataset " + name + " from " + file + ": " + e.getMessage(), e);
        }
    }

    /** The stored file; {@code field} names the request field to blame when there is none. */
    public Path resolve(String field, String name) {
        String reason = ModelNames.reasonInvalid(name);
        if (reason != null) {
            throw new RequestValidationException(field + ".dataset", "'" + name + "' " + reason);
        }
        Path file = target(name);
        if (!Files.isRegularFile(file)) {
            throw new RequestValidationException(field + ".dataset", "no dataset '" + name + "' in the store");
        }
        return file;
    }

    public List<Dataset> list() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(SUFFIX) && ModelNames.isValid(n.substring(0, n.length() - SUFFIX.length())))
                    .map(n -> describe(n.substring(0, n.length() - SUFFIX.length()))).sorted(java.util.Comparator.comparing(Dataset::name))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list datasets in " + dir + ": " + e.getMessage(), e);
        }
    }

    private Dataset describe(String name) {
        Path file = target(name);
        try {
            return new Dataset(name, Files.size(file), Sha256.hex(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dataset " + name + ": " + e.getMessage(), e);
        }
    }

    private Path target(String name) {
        return dir.resolve(name + SUFFIX);
    }
}
