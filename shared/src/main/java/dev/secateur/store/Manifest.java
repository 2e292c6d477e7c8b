package dev.secateur.store;

import dev.secateur.model.LayerSizes;
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
 * <p>The folder's one manifest: when the staged folder came with a manifest.json of its own (an export's, see
 * dev.secateur.onnx.ExportManifest), its description (format, kind, architecture, dtype, parameters, layerSizes) is
 * carried over under the same names, so a reader of either finds the kind in the same place. Versions published
 * before that, or from a folder without one, have them null (left out of the file).
 *
 * @param metadata free-form strings (architecture, source, jobId, reason, ...): the store does not
 *                 interpret them, so new producers need no store change
 */
public record Manifest(
        String name,
        int version,
        Instant created,
        VersionStatus status,
        String format,
        String kind,
        String architecture,
        String dtype,
        Long parameters,
        List<LayerSizes> layerSizes,
        List<ManifestFile> files,
        Map<String, String> metadata) {

    public static final String FILE_NAME = "manifest.json";

    public Manifest {
        files = files == null ? List.of() : List.copyOf(files);
        metadata = sortedWithoutNulls(metadata);
        status = status == null ? VersionStatus.PUBLISHED : status;
        layerSizes = layerSizes == null ? null : List.copyOf(layerSizes);
    }

    /** A version without a description of its model. */
    public Manifest(String name, int version, Instant created, VersionStatus status, List<ManifestFile> files,
                    Map<String, String> metadata) {
        this(name, version, created, status, null, null, null, null, null, null, files, metadata);
    }

    /** This manifest for a version, its model described as {@code staged} describes it (staged may be null). */
    Manifest describedAs(Manifest staged) {
        return staged == null ? this : new Manifest(name, version, created, status, staged.format, staged.kind,
                staged.architecture, staged.dtype, staged.parameters, staged.layerSizes, files, metadata);
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
        return new Manifest(name, version, created, newStatus, format, kind, architecture, dtype, parameters, layerSizes,
                files, newMetadata);
    }
}
