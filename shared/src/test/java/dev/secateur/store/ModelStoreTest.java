package dev.secateur.store;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelStoreTest {

    @TempDir
    Path tmp;

    Path root;
    ModelStore store;

    @BeforeEach
    void setUp() {
        root = tmp.resolve("store");
        store = new ModelStore(root);
    }

    private Path staging(String tag) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "staging");
        Files.writeString(dir.resolve("model.onnx"), "weights-" + tag);
        Files.writeString(dir.resolve("tokenizer.json"), "{\"tok\":\"" + tag + "\"}");
        Files.createDirectories(dir.resolve("extra"));
        Files.writeString(dir.resolve("extra/plan.json"), "[1,2,3]");
        return dir;
    }

    @Test
    void publishNumbersVersionsOneTwoThree() throws IOException {
        for (int i = 1; i <= 3; i++) {
            StoredVersion v = store.publish("tiny-llama", staging("v" + i), Map.of("architecture", "llama"));
            assertEquals(i, v.version());
            assertEquals(root.resolve("tiny-llama").resolve(Integer.toString(i)), v.directory());
        }
        assertEquals(List.of(1, 2, 3), store.versions("tiny-llama"));
        assertEquals(OptionalInt.of(3), store.latest("tiny-llama"));
        assertEquals(List.of("tiny-llama"), store.names());
        assertEquals("weights-v2", Files.readString(store.resolve("tiny-llama", 2).resolve("model.onnx")));
    }

    /** A file the staged manifest vouches for (not modified since) but whose bytes differ was corrupted in staging. */
    @Test
    void aCopiedFileThatDiffersFromTheStagedManifestIsRefused() throws IOException {
        Path staging = staging("c");
        Files.writeString(staging.resolve("manifest.json"), "{\"kind\": \"decoder\", \"files\": [{\"path\": \"model.onnx\", \"size\": 9, "
                + "\"sha256\": \"" + Sha256.hex("weights-x".getBytes(StandardCharsets.UTF_8)) + "\"}]}");
        java.nio.file.attribute.FileTime manifestWritten = Files.getLastModifiedTime(staging.resolve("manifest.json"));
        Files.setLastModifiedTime(staging.resolve("model.onnx"), java.nio.file.attribute.FileTime.fromMillis(manifestWritten.toMillis() - 1000));
        StoreException e = assertThrows(StoreException.class, () -> store.publish("m", staging, Map.of()));
        assertTrue(e.getMessage().contains("model.onnx") && e.getMessage().contains("staged manifest"), e.getMessage());
        assertEquals(List.of(), store.versions("m"));

        // rewritten after the manifest: the store's own hash stands, and the description is carried over all the same
        Files.writeString(staging.resolve("model.onnx"), "weights-y");
        Files.setLastModifiedTime(staging.resolve("model.onnx"), java.nio.file.attribute.FileTime.fromMillis(manifestWritten.toMillis() + 1000));
        store.publish("m", staging, Map.of());
        Manifest m = store.verify("m", 1);
        assertEquals("decoder", m.kind());
        assertEquals(Sha256.hex("weights-y".getBytes(StandardCharsets.UTF_8)), m.file("model.onnx").orElseThrow().sha256());
    }

    /** A moved file rewritten after the staged manifest is hashed afresh, not given the manifest's stale hash. */
    @Test
    void aMovedFileRewrittenAfterTheStagedManifestIsHashedAfresh() throws IOException {
        Path staging = staging("d");
        Files.writeString(staging.resolve("manifest.json"), "{\"kind\": \"encoder\", \"files\": [{\"path\": \"model.onnx\", \"size\": 9, "
                + "\"sha256\": \"" + Sha256.hex("weights-d".getBytes(StandardCharsets.UTF_8)) + "\"}]}");
        Files.writeString(staging.resolve("model.onnx"), "weights-e");
        Files.setLastModifiedTime(staging.resolve("model.onnx"),
                java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(staging.resolve("manifest.json")).toMillis() + 1000));
        store.publish("m", staging, Map.of(), VersionStatus.PUBLISHED, ModelStore.Transfer.MOVE);
        Manifest m = store.verify("m", 1);
        assertEquals("encoder", m.kind());
        assertEquals(Sha256.hex("weights-e".getBytes(StandardCharsets.UTF_8)), m.file("model.onnx").orElseThrow().sha256());
    }

    @Test
    void manifestDescribesEveryFile() throws IOException {
        Path staging = staging("a");
        StoredVersion v = store.publish("m", staging, Map.of("architecture", "llama", "jobId", "j-1"));
        Manifest m = store.manifest("m", 1);
        assertEquals("m", m.name());
        assertEquals(1, m.version());
        assertEquals(VersionStatus.PUBLISHED, m.status());
        assertEquals("llama", m.metadata().get("architecture"));
        assertEquals(List.of("extra/plan.json", "model.onnx", "tokenizer.json"),
                m.files().stream().map(ManifestFile::path).toList());
        ManifestFile onnx = m.file("model.onnx").orElseThrow();
        assertEquals(Sha256.hex("weights-a".getBytes(StandardCharsets.UTF_8)), onnx.sha256());
        assertEquals(9, onnx.size());
        assertEquals(m, v.manifest());
        assertEquals(Sha256.hex(v.directory().resolve("manifest.json")), v.manifestSha256());
        assertEquals(v.manifestSha256(), store.manifestSha256("m", 1));
        // COPY leaves the staging folder alone.
        assertTrue(Files.exists(staging.resolve("model.onnx")));
        assertEquals(m, store.verify("m", 1));
    }

    @Test
    void anExportManifestInStagingIsReplacedByTheStoreManifest() throws IOException {
        Path staging = staging("x");
        Files.writeString(staging.resolve("manifest.json"), "{\"format\": \"secateur-onnx/1\", \"files\": []}");
        store.publish("m", staging, Map.of());
        Manifest m = store.verify("m", 1);
        assertEquals("m", m.name());
        assertTrue(m.file("model.onnx").isPresent());
        assertTrue(m.file("manifest.json").isEmpty(), "the store's manifest does not list itself");
    }

    @Test
    void moveTransferConsumesStagingFiles() throws IOException {
        Path staging = staging("a");
        StoredVersion v = store.publish("m", staging, Map.of(), VersionStatus.PUBLISHED, ModelStore.Transfer.MOVE);
        assertFalse(Files.exists(staging.resolve("model.onnx")));
        assertEquals("weights-a", Files.readString(v.directory().resolve("model.onnx")));
        store.verify("m", 1);
    }

    @Test
    void tamperedFileFailsVerifyNamingIt() throws IOException {
        store.publish("m", staging("a"), Map.of());
        Path dir = store.resolve("m", 1);
        // Same size, different content: only the hash can catch it.
        Files.writeString(dir.resolve("model.onnx"), "weights-b");
        IntegrityException e = assertThrows(IntegrityException.class, () -> store.verify("m", 1));
        assertTrue(e.getMessage().contains("model.onnx"), e.getMessage());
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
        assertEquals(1, e.problems().size(), e.problems().toString());
    }

    @Test
    void missingTruncatedAndExtraFilesAllReported() throws IOException {
        store.publish("m", staging("a"), Map.of());
        Path dir = store.resolve("m", 1);
        Files.delete(dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("model.onnx"), "w");
        Files.writeString(dir.resolve("sneaky.bin"), "x");
        IntegrityException e = assertThrows(IntegrityException.class, () -> store.verify("m", 1));
        List<String> p = e.problems();
        assertEquals(3, p.size(), p.toString());
        assertTrue(p.contains("tokenizer.json: missing"), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("model.onnx: size 1 bytes")), p.toString());
        assertTrue(p.contains("sneaky.bin: not listed in the manifest"), p.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"../etc", "/abs", "a/b", "a\\b", "", "..", ".hidden", "Upper", "-flag", "a b", "a..b"})
    void badNamesRejectedNamingTheValue(String name) {
        InvalidModelNameException e = assertThrows(InvalidModelNameException.class,
                () -> store.publish(name, tmp, Map.of()));
        assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
        assertThrows(InvalidModelNameException.class, () -> store.versions(name));
        assertThrows(InvalidModelNameException.class, () -> store.resolve(name, 1));
    }

    @Test
    void overlongAndNullNamesRejected() {
        String longName = "a".repeat(200);
        InvalidModelNameException e = assertThrows(InvalidModelNameException.class, () -> store.latest(longName));
        assertTrue(e.getMessage().contains("200 characters"), e.getMessage());
        assertThrows(InvalidModelNameException.class, () -> store.versions(null));
        assertTrue(ModelNames.isValid("a".repeat(63)));
        assertFalse(ModelNames.isValid("a".repeat(64)));
        assertTrue(ModelNames.isValid("smollm-135m_pruned.v2"));
    }

    @Test
    void nothingEscapesTheRootOnBadName() {
        assertThrows(IllegalArgumentException.class, () -> store.publish("../escape", tmp, Map.of()));
        assertFalse(Files.exists(tmp.resolve("escape")));
    }

    @Test
    void concurrentPublishersGetDistinctVersionsAndNoPartialFolders() throws Exception {
        int threads = 4;
        int perThread = 5;
        List<Path> stagings = new ArrayList<>();
        for (int i = 0; i < threads * perThread; i++) {
            stagings.add(staging("c" + i));
        }
        // Two store instances over one root: the lock must work across instances, not just within one.
        ModelStore other = new ModelStore(root);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<Integer>>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int ti = t;
            ModelStore s = t % 2 == 0 ? store : other;
            futures.add(pool.submit(() -> {
                start.await();
                List<Integer> got = new ArrayList<>();
                for (int k = 0; k < perThread; k++) {
                    got.add(s.publish("shared", stagings.get(ti * perThread + k), Map.of()).version());
                }
                return got;
            }));
        }
        start.countDown();
        Set<Integer> all = new HashSet<>();
        for (Future<List<Integer>> f : futures) {
            for (int v : f.get(60, TimeUnit.SECONDS)) {
                assertTrue(all.add(v), "version " + v + " handed out twice");
            }
        }
        pool.shutdown();
        Set<Integer> expected = new HashSet<>();
        for (int i = 1; i <= threads * perThread; i++) {
            expected.add(i);
        }
        assertEquals(expected, all);
        assertEquals(threads * perThread, store.versions("shared").size());
        try (Stream<Path> entries = Files.list(root.resolve("shared"))) {
            assertTrue(entries.noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")), "temp folder left behind");
        }
        for (int v : store.versions("shared")) {
            store.verify("shared", v);
        }
    }

    @Test
    void rejectedVersionsAreKeptButNeverLatest() throws IOException {
        store.publish("m", staging("1"), Map.of());
        StoredVersion v2 = store.publish("m", staging("2"), Map.of("reason", "ppl x1.5"),
                VersionStatus.REJECTED, ModelStore.Transfer.COPY);
        assertEquals(VersionStatus.REJECTED, v2.manifest().status());
        assertEquals(List.of(1, 2), store.versions("m"));
        assertEquals(OptionalInt.of(1), store.latest("m"));

        store.publish("m", staging("3"), Map.of());
        assertEquals(OptionalInt.of(3), store.latest("m"));
        String before = store.manifestSha256("m", 3);
        StoredVersion rejected = store.markRejected("m", 3, "quality gate");
        assertEquals("quality gate", store.manifest("m", 3).metadata().get("rejectedReason"));
        assertFalse(before.equals(rejected.manifestSha256()));
        assertEquals(OptionalInt.of(1), store.latest("m"));
        store.verify("m", 3);
    }

    @Test
    void latestIsEmptyWhenNothingPublished() throws IOException {
        assertEquals(OptionalInt.empty(), store.latest("nothing"));
        assertEquals(List.of(), store.versions("nothing"));
        store.publish("bad", staging("x"), Map.of(), VersionStatus.REJECTED, ModelStore.Transfer.COPY);
        assertEquals(OptionalInt.empty(), store.latest("bad"));
    }

    @Test
    void retainKeepsLastNAndNumbersAreNotReused() throws IOException {
        for (int i = 1; i <= 5; i++) {
            store.publish("m", staging("" + i), Map.of());
        }
        assertEquals(List.of(1, 2, 3), store.retain("m", 2));
        assertEquals(List.of(4, 5), store.versions("m"));
        assertEquals(6, store.publish("m", staging("6"), Map.of()).version());
    }

    @Test
    void retainNeverDeletesLatestPublished() throws IOException {
        store.publish("m", staging("1"), Map.of());
        store.publish("m", staging("2"), Map.of());
        store.publish("m", staging("3"), Map.of(), VersionStatus.REJECTED, ModelStore.Transfer.COPY);
        store.publish("m", staging("4"), Map.of(), VersionStatus.REJECTED, ModelStore.Transfer.COPY);
        assertEquals(List.of(1, 3), store.retain("m", 1));
        assertEquals(List.of(2, 4), store.versions("m"));
        assertEquals(OptionalInt.of(2), store.latest("m"));
        // keepLast 0 removes everything but the serving version, and the next number still moves on.
        assertEquals(List.of(4), store.retain("m", 0));
        assertEquals(List.of(2), store.versions("m"));
        assertEquals(5, store.publish("m", staging("5"), Map.of()).version());
    }

    @Test
    void counterLossDoesNotReuseExistingNumbers() throws IOException {
        store.publish("m", staging("1"), Map.of());
        store.publish("m", staging("2"), Map.of());
        Files.delete(root.resolve("m/.next-version"));
        assertEquals(3, store.publish("m", staging("3"), Map.of()).version());
    }

    @Test
    void leftoverTempFoldersAreInvisible() throws IOException {
        store.publish("m", staging("1"), Map.of());
        Path half = root.resolve("m/.tmp-crashed");
        Files.createDirectories(half);
        Files.writeString(half.resolve("model.onnx"), "half");
        Files.createDirectories(root.resolve("m/7")); // no manifest: not a version
        Files.createDirectories(root.resolve("m/007"));
        assertEquals(List.of(1), store.versions("m"));
        assertEquals(2, store.publish("m", staging("2"), Map.of()).version());
        assertEquals(1, store.removeStaleTemp("m", java.time.Duration.ZERO));
        assertFalse(Files.exists(half));
    }

    @Test
    void missingVersionIsAClearError() throws IOException {
        store.publish("m", staging("1"), Map.of());
        VersionNotFoundException e = assertThrows(VersionNotFoundException.class, () -> store.resolve("m", 9));
        assertTrue(e.getMessage().contains("no version 9") && e.getMessage().contains("[1]"), e.getMessage());
        assertThrows(VersionNotFoundException.class, () -> store.manifest("m", 0));
    }

    @Test
    void missingStagingIsRefused() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> store.publish("m", tmp.resolve("nope"), Map.of()));
        assertEquals(List.of(), store.versions("m"));
        try (Stream<Path> entries = Files.list(root.resolve("m"))) {
            assertTrue(entries.noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")));
        } catch (java.nio.file.NoSuchFileException ok) {
            // never created: also fine
        }
    }
}
