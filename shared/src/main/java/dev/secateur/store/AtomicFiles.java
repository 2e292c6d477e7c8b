package dev.secateur.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Crash-safe file writes: a reader (or a restart after a crash) sees either the old content or the new,
 * never a truncated file.
 */
public final class AtomicFiles {

    private AtomicFiles() {
    }

    /**
     * Writes to a temporary file in the same directory (rename is only atomic within one file system),
     * fsyncs it, renames it over {@code target}, then fsyncs the directory so the rename itself survives
     * a power loss.
     */
    public static void writeAtomically(Path target, byte[] content) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            moveAtomically(tmp, target);
            fsyncDirectory(dir);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Rename that either happens completely or not at all; fails rather than silently copying. */
    public static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("atomic rename " + from + " -> " + to + " is not supported here"
                    + " (are they on different file systems?)", e);
        }
    }

    /** Opens read-only so it also works on files without write permission (Linux allows fsync on those). */
    public static void fsyncFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * Makes directory entries (new files, renames) durable. Linux allows opening a directory read-only
     * and forcing it; other platforms may refuse, in which case there is nothing better to do.
     */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Best effort by design: not every OS/file system supports directory fsync.
        }
    }

    /** Deletes a folder and everything in it; links inside are removed, never followed. Absent is fine. */
    public static void deleteRecursively(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@link #deleteRecursively} for clean-up paths (a finally block, a scratch folder) where a failure must not
     * hide the outcome being reported: a leftover folder is logged by nobody and harmless.
     *
     * @return whether the folder is gone
     */
    public static boolean tryDeleteRecursively(Path dir) {
        try {
            deleteRecursively(dir);
            return true;
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // Leftover temp files are harmless: readers skip dot-files.
        }
    }
}
