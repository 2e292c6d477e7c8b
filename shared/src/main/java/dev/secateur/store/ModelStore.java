package dev.secateur.store;

import dev.secateur.json.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Versioned model folders on a plain file system (a local disk or a shared volume):
 * {@code <root>/<name>/<version>/{model.onnx, tokenizer.json, manifest.json, ...}}.
 *
 * <p>Guarantees: a version folder appears all at once (built under a dot-named temp folder, then renamed),
 * version numbers are never handed out twice for a name, even across processes or after old versions are
 * deleted, and every file is covered by a SHA-256 in manifest.json.
 */
public final class ModelStore {

    /** What happens to the staging files: MOVE avoids copying gigabytes when staging is on the same disk. */
    public enum Transfer { COPY, MOVE }

    static final String LOCK_FILE = ".lock";
    static final String NEXT_VERSION_FILE = ".next-version";
    static final String TMP_PREFIX = ".tmp-";
    static final String TRASH_PREFIX = ".trash-";
    static final String REJECTED_REASON_KEY = "rejectedReason";

    // No leading zeros, so "01" and "1" can never be two folders for one version.
    private static final Pattern VERSION_DIR = Pattern.compile("[1-9][0-9]{0,8}");

    // A FileLock is held per JVM, not per thread (a second lock() in the same JVM throws
    // OverlappingFileLockException), so threads queue here first and only one per JVM takes the file lock.
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path root;

    public ModelStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create model store root " + this.root + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    // ---------------------------------------------------------------- publishing

    /** Copies every file under {@code stagingDir} into the next version of {@code name}, status published. */
    public StoredVersion publish(String name, Path stagingDir, Map<String, String> metadata) {
        return publish(name, stagingDir, metadata, VersionStatus.PUBLISHED, Transfer.COPY);
    }

    /**
     * Files are transferred and hashed before the name lock is taken, so a slow multi-gigabyte copy does
     * not hold up other publishers; only numbering, manifest and rename happen under the lock.
     * With {@link Transfer#MOVE} the staging files are consumed, even if publishing then fails.
     */
    public StoredVersion publish(String name, Path stagingDir, Map<String, String> metadata,
                                 VersionStatus status, Transfer transfer) {
        ModelNames.requireValid(name);
        if (!Files.isDirectory(stagingDir)) {
            throw new IllegalArgumentException("staging directory " + stagingDir + " does not exist or is not a directory");
        }
        List<Path> sources = listStagedFiles(stagingDir);
        Manifest staged = stagedManifest(stagingDir);
        Map<String, ManifestFile> stagedFiles = staged == null ? Map.of() : unchangedSince(stagingDir, staged);
        Path nameDir = nameDir(name);
        Path tmp = nameDir.resolve(TMP_PREFIX + UUID.randomUUID());
        try {
            Files.createDirectories(nameDir);
            Files.createDirectory(tmp);
            List<ManifestFile> files = new ArrayList<>();
            Set<Path> dirsToSync = new HashSet<>();
            dirsToSync.add(tmp);
            for (Path source : sources) {
                String rel = relativeName(stagingDir, source);
                Path target = tmp.resolve(rel);
                Files.createDirectories(target.getParent());
                dirsToSync.add(target.getParent());
                ManifestFile listed = stagedFiles.get(rel);
                files.add(transfer == Transfer.MOVE ? moveAndHash(source, target, rel, listed)
                        : requireListed(copyAndHash(source, target, rel), listed, stagingDir));
            }
            dirsToSync.forEach(AtomicFiles::fsyncDirectory);
            files.sort(Comparator.comparing(ManifestFile::path));
            return withNameLock(name, () -> commit(name, tmp, files, metadata, status, staged));
        } catch (IOException e) {
            AtomicFiles.deleteRecursively(tmp);
            throw new UncheckedIOException("cannot publish " + name + " from " + stagingDir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            AtomicFiles.deleteRecursively(tmp);
            throw e;
        }
    }

    private StoredVersion commit(String name, Path tmp, List<ManifestFile> files, Map<String, String> metadata,
                                 VersionStatus status, Manifest staged) throws IOException {
        Path nameDir = nameDir(name);
        int version = nextVersion(nameDir);
        Manifest manifest = new Manifest(name, version, Instant.now(), status, files, metadata).describedAs(staged);
        byte[] manifestBytes = Json.toPrettyBytes(manifest);
        AtomicFiles.writeAtomically(tmp.resolve(Manifest.FILE_NAME), manifestBytes);
        Path versionDir = nameDir.resolve(Integer.toString(version));
        AtomicFiles.moveAtomically(tmp, versionDir);
        AtomicFiles.fsyncDirectory(nameDir);
        // Written after the rename: if we crash in between, the folder itself still proves the number is used.
        AtomicFiles.writeAtomically(nameDir.resolve(NEXT_VERSION_FILE),
                Integer.toString(version + 1).getBytes(StandardCharsets.US_ASCII));
        return new StoredVersion(name, version, versionDir, manifest, Sha256.hex(manifestBytes));
    }

    /** The larger of the counter file and (highest folder + 1): either alone may be lost or stale. */
    private int nextVersion(Path nameDir) {
        int fromFolders = versionNumbers(nameDir).stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        int fromCounter = 1;
        Path counter = nameDir.resolve(NEXT_VERSION_FILE);
        if (Files.exists(counter)) {
            try {
                fromCounter = Integer.parseInt(Files.readString(counter, StandardCharsets.US_ASCII).trim());
            } catch (IOException | NumberFormatException e) {
                // A damaged counter only loses the memory of deleted versions; the folders still count.
            }
        }
        return Math.max(fromFolders, fromCounter);
    }

    private static List<Path> listStagedFiles(Path stagingDir) {
        // FOLLOW_LINKS: Hugging Face caches are symlink farms; we store the content, not the links.
        try (Stream<Path> walk = Files.walk(stagingDir, FileVisitOption.FOLLOW_LINKS)) {
            // An export folder carries its own manifest.json; the store writes one covering the same files
            // (same "files" entries, plus name, version and status), so the staged one is left behind.
            List<Path> files = walk.filter(Files::isRegularFile)
                    .filter(f -> !relativeName(stagingDir, f).equals(Manifest.FILE_NAME)).sorted().toList();
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list staging directory " + stagingDir + ": " + e.getMessage(), e);
        }
    }

    /** The staged folder's own manifest.json (an export's), or null when it has none. */
    private static Manifest stagedManifest(Path stagingDir) {
        Path file = stagingDir.resolve(Manifest.FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Json.mapper().readValue(Files.readAllBytes(file), Manifest.class);
        } catch (IOException e) {
            throw new StoreException("staged " + file + " is not a readable manifest: " + e.getMessage(), e);
        }
    }

    /**
     * The staged manifest's entries for files last modified before it was written: what it says of those still holds
     * (a file rewritten since, a report written after the export say, is hashed afresh instead).
     */
    private static Map<String, ManifestFile> unchangedSince(Path stagingDir, Manifest staged) {
        Map<String, ManifestFile> out = new HashMap<>();
        try {
            FileTime written = Files.getLastModifiedTime(stagingDir.resolve(Manifest.FILE_NAME));
            for (ManifestFile f : staged.files()) {
                Path file = stagingDir.resolve(f.path()).normalize();
                if (file.startsWith(stagingDir) && Files.isRegularFile(file)
                        && Files.getLastModifiedTime(file).compareTo(written) < 0) {
                    out.put(f.path(), f);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the times of " + stagingDir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** A copied file the staged manifest lists must be what it lists: the copy's hash says what was staged. */
    private static ManifestFile requireListed(ManifestFile copied, ManifestFile listed, Path stagingDir) {
        if (listed != null && (listed.size() != copied.size() || !listed.sha256().equalsIgnoreCase(copied.sha256()))) {
            throw new StoreException(stagingDir.resolve(copied.path()) + ": sha256 " + copied.sha256() + " (" + copied.size()
                    + " bytes) differs from the staged manifest's " + listed.sha256() + " (" + listed.size() + " bytes)");
        }
        return copied;
    }

    private static String relativeName(Path base, Path file) {
        return base.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    private static ManifestFile copyAndHash(Path source, Path target, String rel) throws IOException {
        // One pass computes the hash and the copy, instead of reading multi-GB weights twice.
        MessageDigest digest = Sha256.newDigest();
        long size = 0;
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(source);
             FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
                size += n;
            }
            out.force(true);
        }
        return new ManifestFile(rel, size, Sha256.hex(digest));
    }

    /**
     * A moved file keeps its bytes, so one the staged manifest already hashed (unchanged since, at the size it has)
     * takes that hash instead of being read again (gigabytes of weights); a file corrupted in between without a new
     * modification time then fails the version's verification before it is served, as any corruption does.
     */
    private static ManifestFile moveAndHash(Path source, Path target, String rel, ManifestFile listed) throws IOException {
        if (Files.isSymbolicLink(source)) {
            // Moving a link would store the link; store what it points at instead.
            return requireListed(copyAndHash(source, target, rel), listed, source.getParent());
        }
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            ManifestFile copied = copyAndHash(source, target, rel);
            Files.delete(source);
            return copied;
        }
        AtomicFiles.fsyncFile(target);
        long size = Files.size(target);
        if (listed != null && listed.size() == size) {
            return new ManifestFile(rel, size, listed.sha256().toLowerCase(java.util.Locale.ROOT));
        }
        return new ManifestFile(rel, size, Sha256.hex(target));
    }

    // ---------------------------------------------------------------- reading

    /** Model names that have at least one complete version, sorted. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path dir : dirs) {
                String n = dir.getFileName().toString();
                if (ModelNames.isValid(n) && !versionNumbers(dir).isEmpty()) {
                    names.add(n);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list model store " + root + ": " + e.getMessage(), e);
        }
        names.sort(null);
        return names;
    }

    /** All complete versions of {@code name}, ascending, rejected ones included; empty if none. */
    public List<Integer> versions(String name) {
        return versionNumbers(nameDir(ModelNames.requireValid(name)));
    }

    /** The highest version that is not rejected, or empty when there is none. */
    public OptionalInt latest(String name) {
        List<Integer> versions = versions(name);
        for (int i = versions.size() - 1; i >= 0; i--) {
            int v = versions.get(i);
            if (manifest(name, v).status() != VersionStatus.REJECTED) {
                return OptionalInt.of(v);
            }
        }
        return OptionalInt.empty();
    }

    /** The folder of an existing version; throws {@link VersionNotFoundException} listing what does exist. */
    public Path resolve(String name, int version) {
        Path dir = nameDir(ModelNames.requireValid(name)).resolve(Integer.toString(version));
        if (version < 1 || !Files.isRegularFile(dir.resolve(Manifest.FILE_NAME))) {
            throw new VersionNotFoundException("model '" + name + "' has no version " + version
                    + " (versions: " + versions(name) + ")");
        }
        return dir;
    }

    public Manifest manifest(String name, int version) {
        Path file = resolve(name, version).resolve(Manifest.FILE_NAME);
        try {
            return Json.mapper().readValue(Files.readAllBytes(file), Manifest.class);
        } catch (NoSuchFileException e) {
            // Deleted by retain() between resolve() and the read.
            throw new VersionNotFoundException("model '" + name + "' version " + version + " was just removed");
        } catch (IOException e) {
            throw new StoreException("unreadable manifest " + file + ": " + e.getMessage(), e);
        }
    }

    /** The hash events carry, so a consumer can tell exactly which manifest was announced. */
    public String manifestSha256(String name, int version) {
        return Sha256.hex(resolve(name, version).resolve(Manifest.FILE_NAME));
    }

    /** Current state of a version, as {@link #publish} returned it. */
    public StoredVersion describe(String name, int version) {
        Path dir = resolve(name, version);
        return new StoredVersion(name, version, dir, manifest(name, version), manifestSha256(name, version));
    }

    /**
     * Re-hashes every file against the manifest and reports every problem at once (not only the first),
     * each naming its file: missing, wrong size, wrong hash, or present but not in the manifest.
     */
    public Manifest verify(String name, int version) {
        Path dir = resolve(name, version);
        Manifest manifest = manifest(name, version);
        List<String> problems = new ArrayList<>();
        if (!name.equals(manifest.name()) || manifest.version() != version) {
            problems.add("manifest.json: describes " + manifest.name() + " v" + manifest.version());
        }
        Set<String> listed = new HashSet<>();
        for (ManifestFile f : manifest.files()) {
            listed.add(f.path());
            Path file = dir.resolve(f.path()).normalize();
            if (!file.startsWith(dir) || f.path().equals(Manifest.FILE_NAME)) {
                // A tampered manifest must not make us read (or vouch for) files outside the version.
                problems.add(f.path() + ": path is outside the version folder");
            } else if (!Files.isRegularFile(file)) {
                problems.add(f.path() + ": missing");
            } else {
                long size = size(file);
                String actual;
                if (size != f.size()) {
                    problems.add(f.path() + ": size " + size + " bytes, manifest says " + f.size());
                } else if (!(actual = Sha256.hex(file)).equals(f.sha256())) {
                    problems.add(f.path() + ": sha256 " + actual + " does not match manifest " + f.sha256());
                }
            }
        }
        for (Path extra : filesIn(dir)) {
            String rel = relativeName(dir, extra);
            if (!rel.equals(Manifest.FILE_NAME) && !listed.contains(rel)) {
                problems.add(rel + ": not listed in the manifest");
            }
        }
        if (!problems.isEmpty()) {
            throw new IntegrityException(name, version, problems);
        }
        return manifest;
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Keeps the version's files (to inspect why it was rejected) but takes it out of {@link #latest}.
     * The manifest is rewritten atomically, so its hash changes.
     */
    public StoredVersion markRejected(String name, int version, String reason) {
        ModelNames.requireValid(name);
        return withNameLock(name, () -> {
            Path dir = resolve(name, version);
            Manifest old = manifest(name, version);
            Map<String, String> metadata = new HashMap<>(old.metadata());
            if (reason != null) {
                metadata.put(REJECTED_REASON_KEY, reason);
            }
            Manifest updated = old.withStatus(VersionStatus.REJECTED, metadata);
            byte[] bytes = Json.toPrettyBytes(updated);
            AtomicFiles.writeAtomically(dir.resolve(Manifest.FILE_NAME), bytes);
            return new StoredVersion(name, version, dir, updated, Sha256.hex(bytes));
        });
    }

    /**
     * Deletes all but the newest {@code keepLast} versions, except that the latest published version is
     * always kept (the server may be running it). Version numbers of deleted versions are not reused.
     *
     * @return the versions deleted, ascending
     */
    public List<Integer> retain(String name, int keepLast) {
        ModelNames.requireValid(name);
        if (keepLast < 0) {
            throw new IllegalArgumentException("keepLast must be >= 0, was " + keepLast);
        }
        return withNameLock(name, () -> {
            Path nameDir = nameDir(name);
            List<Integer> versions = versionNumbers(nameDir);
            int protectedVersion = latest(name).orElse(-1);
            // Record the counter first, so the numbers survive even if the highest version goes.
            int next = nextVersion(nameDir);
            AtomicFiles.writeAtomically(nameDir.resolve(NEXT_VERSION_FILE),
                    Integer.toString(next).getBytes(StandardCharsets.US_ASCII));
            List<Integer> deleted = new ArrayList<>();
            for (int i = 0; i < versions.size() - keepLast; i++) {
                int v = versions.get(i);
                if (v == protectedVersion) {
                    continue;
                }
                // Rename first so readers stop seeing the version at once, then delete at leisure.
                Path trash = nameDir.resolve(TRASH_PREFIX + UUID.randomUUID());
                AtomicFiles.moveAtomically(nameDir.resolve(Integer.toString(v)), trash);
                AtomicFiles.deleteRecursively(trash);
                deleted.add(v);
            }
            AtomicFiles.fsyncDirectory(nameDir);
            return deleted;
        });
    }

    /**
     * Removes temp and trash folders left by crashed publishers or interrupted deletions. The age guard
     * keeps it from removing a folder another publisher is still filling.
     *
     * @return how many folders were removed
     */
    public int removeStaleTemp(String name, Duration olderThan) {
        Path nameDir = nameDir(ModelNames.requireValid(name));
        if (!Files.isDirectory(nameDir)) {
            return 0;
        }
        Instant cutoff = Instant.now().minus(olderThan);
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(nameDir)) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                if ((n.startsWith(TMP_PREFIX) || n.startsWith(TRASH_PREFIX))
                        && Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(cutoff)) {
                    AtomicFiles.deleteRecursively(p);
                    removed++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean " + nameDir + ": " + e.getMessage(), e);
        }
        return removed;
    }

    // ---------------------------------------------------------------- internals

    private Path nameDir(String name) {
        return root.resolve(name);
    }

    private static List<Integer> versionNumbers(Path nameDir) {
        List<Integer> versions = new ArrayList<>();
        if (!Files.isDirectory(nameDir)) {
            return versions;
        }
        // Dot-folders (.tmp-*, .trash-*) never match, so half-built or half-deleted versions stay invisible.
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(nameDir,
                p -> VERSION_DIR.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p))) {
            for (Path dir : dirs) {
                if (Files.isRegularFile(dir.resolve(Manifest.FILE_NAME))) {
                    versions.add(Integer.parseInt(dir.getFileName().toString()));
                }
            }
        } catch (NoSuchFileException e) {
            return versions;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + nameDir + ": " + e.getMessage(), e);
        }
        versions.sort(null);
        return versions;
    }

    /** Everything that is not a directory, links included, so verify() also reports stray links. */
    private static List<Path> filesIn(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat " + file + ": " + e.getMessage(), e);
        }
    }

    private interface LockedAction<T> {
        T run() throws IOException;
    }

    /** Serialises writers of one name across threads (ReentrantLock) and across processes (FileLock). */
    private <T> T withNameLock(String name, LockedAction<T> action) {
        Path nameDir = nameDir(name);
        Path lockFile = nameDir.resolve(LOCK_FILE);
        try {
            Files.createDirectories(nameDir);
            // Real path: two spellings of one directory must share one in-JVM lock.
            ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(nameDir.toRealPath(), k -> new ReentrantLock());
            jvmLock.lock();
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                return action.run();
            } finally {
                jvmLock.unlock();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("store operation on " + name + " failed: " + e.getMessage(), e);
        }
    }
}
