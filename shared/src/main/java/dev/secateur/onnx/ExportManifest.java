package dev.secateur.onnx;

import dev.secateur.json.Json;
import dev.secateur.model.LayerSizes;
import dev.secateur.store.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * manifest.json of an exported model folder: what was exported (kind, architecture, dtype, parameters, layer sizes)
 * and a sha256 and size for every file, so a server can refuse a folder that was truncated or altered after export.
 * A store version's manifest.json carries the same fields beside its own (name, version, status), so this reads both.
 */
public record ExportManifest(
        String format,
        String kind,
        String architecture,
        String dtype,
        long parameters,
        List<LayerSizes> layerSizes,
        List<FileEntry> files) {

    public static final String FILE = "manifest.json";
    public static final String FORMAT = "secateur-onnx/1";
    /** The two kinds: a decoder generates (/v1/completions), an encoder embeds (/v1/embeddings). */
    public static final String DECODER = "decoder";
    public static final String ENCODER = "encoder";

    /** One file of the folder, by its path relative to the folder. */
    public record FileEntry(String path, long size, String sha256) {
        public static FileEntry of(Path dir, Path file) {
            return new FileEntry(dir.relativize(file).toString(), ExportManifest.size(file), ExportManifest.sha256(file));
        }
    }

    public static ExportManifest read(Path dir) {
        Path file = dir.resolve(FILE);
        try {
            return Json.mapper().readValue(file.toFile(), ExportManifest.class);
        } catch (IOException e) {
            throw new IllegalStateException(file + ": not a readable manifest (" + e.getMessage() + ")", e);
        }
    }

    /** Writes manifest.json atomically (temp file + rename). */
    public void write(Path dir) {
        Path tmp = dir.resolve(FILE + ".tmp");
        try {
            Json.keepingNulls().writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new OnnxExportException(dir.resolve(FILE) + ": cannot write manifest (" + e.getMessage() + ")", e);
        }
    }

    /** The differences between the folder and this manifest; empty when every file is present, whole and unaltered. */
    public List<String> verify(Path dir) {
        List<String> problems = new ArrayList<>();
        for (FileEntry f : files) {
            Path p = dir.resolve(f.path());
            if (!Files.isRegularFile(p)) {
                problems.add(p + ": listed in " + FILE + " but missing");
                continue;
            }
            long size = size(p);
            if (size != f.size()) {
                problems.add(p + ": size " + size + " bytes, " + FILE + " says " + f.size());
                continue;
            }
            String sha = sha256(p);
            if (!sha.equalsIgnoreCase(f.sha256())) {
                problems.add(p + ": sha256 " + sha + ", " + FILE + " says " + f.sha256());
            }
        }
        return problems;
    }

    public static String sha256(Path file) {
        return Sha256.hex(file);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read size (" + e.getMessage() + ")", e);
        }
    }
}
