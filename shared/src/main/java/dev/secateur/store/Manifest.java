package dev.secateur.store;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The manifest.json of one stored version. It lists every other file in the folder, so a version can be
 * verified, copied or mirrored without knowing what a model consists of.
 *
 * @param metadata free-form strings (architecture, source, jobId, reason, ...): the store does not
 *                 interpret them, so new producers need no store change
 */
public record Manifest(
        String name,
        int version,
        Instant created,
        VersionStatus status,
        List<ManifestFile> files,
        Map<String, String> metadata) {

    public static final String FILE_NAME = "manifest.json";

    public Manifest {
        files = files == null ? List.of() : List.copyOf(files);
        metadata = sortedWithoutNulls(metadata);
        status = status == null ? VersionStatus.PUBLISHED : status;
    }

    public Optional<ManifestFile> file(String path) {
        return files.stream().filter(f -> f.path().equals(path)).findFirst();
    }

    public long totalBytes() {
        return files.stream().mapToLong(ManifestFile::size).sum();
    }

    // Sorted so manifest.json is stable and diffable; null values dropped so callers can pass optional
    // fields (a job id that may be absent) without a check at every call site.
    private static Map<String, String> sortedWithoutNulls(Map<String, String> metadata) {
        TreeMap<String, String> copy = new TreeMap<>();
        if (metadata != null) {
            metadata.forEach((k, v) -> {
                if (k != null && v != null) {
                    copy.put(k, v);
                }
            });
        }
        return Collections.unmodifiableMap(copy);
    }

    public Manifest withStatus(VersionStatus newStatus, Map<String, String> newMetadata) {
        return new Manifest(name, version, created, newStatus, files, newMetadata);
    }
}
