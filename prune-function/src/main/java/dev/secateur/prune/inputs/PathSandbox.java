package dev.secateur.prune.inputs;

import dev.secateur.events.RequestValidationException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Confines file names that arrive in requests to configured folders, deny by default. Each name is resolved
 * with {@link Path#toRealPath}, so {@code ..} and symlinks are followed to where they really lead before the
 * check. Every refusal, whatever the cause (outside, missing, not the expected kind of entry), gets one
 * message: a sender must learn nothing about files it may not read, not even whether they exist.
 */
public final class PathSandbox {

    public static final String REFUSED = "not under an allowed folder";

    /** Checkpoint folders are flat, or one level of subfolders (sharded or sub-model layouts). */
    private static final int MAX_DEPTH = 3;

    private final List<Path> roots;
    private final Path base;

    /**
     * @param roots folders whose contents may be named; a root that does not exist (yet) allows nothing
     * @param base  what relative names are resolved against (the working folder)
     */
    public PathSandbox(List<Path> roots, Path base) {
        this.roots = List.copyOf(roots);
        this.base = base.toAbsolutePath();
    }

    /** A regular file under a root, as its real path. */
    public Path file(String field, String name) {
        return resolve(field, name, Files::isRegularFile);
    }

    /**
     * A folder under a root, as its real path, whose entries also all lead under a root: a checkpoint folder
     * of links (a Hugging Face cache snapshot) is fine, a {@code config.json} linked to a secret is not.
     */
    public Path folder(String field, String name) {
        Path dir = resolve(field, name, Files::isDirectory);
        List<Path> allowed = realRoots();
        try (Stream<Path> entries = Files.walk(dir, MAX_DEPTH)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                Path real = entry.toRealPath();
                if (allowed.stream().noneMatch(real::startsWith)) {
                    throw refused(field);
                }
            }
        } catch (IOException | UncheckedIOException e) { // a dangling link, or one that cannot be read
            throw refused(field);
        }
        return dir;
    }

    private Path resolve(String field, String name, Predicate<Path> kind) {
        Path real;
        try {
            real = base.resolve(name).toRealPath();
        } catch (IOException | RuntimeException e) { // missing, unreadable, or not a path at all (NUL, ...)
            throw refused(field);
        }
        if (!kind.test(real) || realRoots().stream().noneMatch(real::startsWith)) {
            throw refused(field);
        }
        return real;
    }

    /** Resolved on every call: a root mounted or re-linked after startup counts as it is now. */
    private List<Path> realRoots() {
        List<Path> out = new ArrayList<>(roots.size());
        for (Path root : roots) {
            try {
                Path real = base.resolve(root).toRealPath();
                if (Files.isDirectory(real)) {
                    out.add(real);
                }
            } catch (IOException e) {
                // an unreadable root allows nothing
            }
        }
        return out;
    }

    private static RequestValidationException refused(String field) {
        return new RequestValidationException(field, REFUSED);
    }
}
