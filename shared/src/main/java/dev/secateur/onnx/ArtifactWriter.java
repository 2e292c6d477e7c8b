package dev.secateur.onnx;

import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.model.CheckpointWriter;
import dev.secateur.model.DecoderSource;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.EncoderWeights;
import dev.secateur.model.StreamedCheckpoint;
import dev.secateur.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The one writer of a servable folder, for decoders and encoders alike: model.onnx (+ model.onnx.data for large
 * models), tokenizer.json and its companions, the checkpoint when asked for, any extra files, and manifest.json,
 * which records the model's kind, architecture, dtype, parameter count and layer sizes and a sha256 for every file of
 * the folder. The store publishes that manifest's description with the version, so the server reads the kind there.
 *
 * <p>Everything is written into a dot-named staging folder beside {@code out} and moved in afterwards, manifest.json
 * last: a reader that finds the manifest finds every file it lists. A fresh or empty {@code out} appears in one rename.
 */
public final class ArtifactWriter {

    /** Where the folder's checkpoint (config.json and safetensors) comes from. */
    public enum Checkpoint {
        /** The graph alone (an export to hand to a runtime). */
        NONE,
        /** Copied byte for byte from the model folder the weights are read from. */
        COPY,
        /** Written from the weights in hand, float32. */
        WRITE,
        /** Already in {@code out}: the pruner wrote it there block by block. */
        IN_PLACE
    }

    /**
     * @param fp16 store weights and compute in half precision (decoders only; see {@link DecoderOnnxExporter})
     * @param externalDataThreshold weight bytes above which a decoder streams into {@code model.onnx.data}
     * @param tokenizer tokenizer.json to copy with its companions, or null (a folder export takes the folder's own)
     * @param metadata extra metadata_props, e.g. {@link ModelExport#PLAN}; they win over the computed ones
     * @param extraFiles copied in beside the model (report.json, a plan) and listed in the manifest
     */
    public record Options(boolean fp16, long externalDataThreshold, Checkpoint checkpoint, Path tokenizer,
            Map<String, String> metadata, List<Path> extraFiles) {
        /** Above this many weight bytes an export streams into external data rather than holding the model. */
        public static final long STREAM_ABOVE = 256L << 20;

        public Options {
            metadata = Map.copyOf(metadata);
            extraFiles = List.copyOf(extraFiles);
        }

        public static Options defaults(boolean fp16) {
            return new Options(fp16, STREAM_ABOVE, Checkpoint.NONE, null, Map.of(), List.of());
        }

        public Options withExternalDataAbove(long bytes) {
            return new Options(fp16, bytes, checkpoint, tokenizer, metadata, extraFiles);
        }

        public Options withCheckpoint(Checkpoint c) {
            return new Options(fp16, externalDataThreshold, c, tokenizer, metadata, extraFiles);
        }

        public Options withTokenizer(Path t) {
            return new Options(fp16, externalDataThreshold, checkpoint, t, metadata, extraFiles);
        }

        public Options withMetadata(Map<String, String> m) {
            return new Options(fp16, externalDataThreshold, checkpoint, tokenizer, m, extraFiles);
        }

        public Options withExtraFiles(List<Path> files) {
            return new Options(fp16, externalDataThreshold, checkpoint, tokenizer, metadata, files);
        }
    }

    /** Writes model.onnx (and its external data, if any) at the given path; returns the files written. */
    private interface Graph {
        List<Path> write(Path modelFile);
    }

    /** Puts the checkpoint into the staging folder. */
    private interface CheckpointFiles {
        void write(Path stage) throws IOException;
    }

    private ArtifactWriter() {
    }

    /**
     * Exports a Hugging Face folder of either kind, reading its weights once: a decoder streamed block by block, an
     * encoder (BertModel, float32 only) whole. {@link ModelExport#SOURCE_SHA256} is computed from the folder when the
     * metadata lacks it, and the folder's tokenizer.json is taken when no other is given.
     * {@link Checkpoint#IN_PLACE} needs {@code modelDir} to be {@code out}.
     */
    public static ExportManifest writeFolder(Path modelDir, Path out, Options o) {
        if (o.checkpoint() == Checkpoint.IN_PLACE && !sameFile(modelDir, out)) {
            throw new IllegalArgumentException("an in-place checkpoint needs the model folder to be the output folder, was "
                    + modelDir + " and " + out);
        }
        boolean decoder;
        try {
            decoder = ConfigReader.read(modelDir).architecture().isDecoder();
        } catch (CheckpointException e) {
            throw new OnnxExportException("cannot export " + modelDir + ": " + e.getMessage(), e);
        }
        Map<String, String> meta = new LinkedHashMap<>(o.metadata());
        meta.computeIfAbsent(ModelExport.SOURCE_SHA256, k -> ModelExport.sourceSha256(modelDir));
        Path ownTokenizer = modelDir.resolve(ModelExport.TOKENIZER_FILE);
        Options opts = o.withMetadata(meta).withTokenizer(o.tokenizer() != null ? o.tokenizer()
                : Files.isRegularFile(ownTokenizer) ? ownTokenizer : null);
        if (!decoder) {
            if (o.fp16()) {
                throw new OnnxExportException(modelDir + ": encoders are exported in float32 only");
            }
            EncoderWeights weights = EncoderWeights.load(modelDir);
            return writeEncoder(weights, out, opts, copyFrom(modelDir, opts, stage -> CheckpointWriter.save(weights, stage, null)));
        }
        if (o.checkpoint() == Checkpoint.WRITE) {
            throw new IllegalArgumentException(modelDir + ": a folder's decoder is streamed, never held: copy its checkpoint instead");
        }
        try (StreamedCheckpoint source = StreamedCheckpoint.open(modelDir)) {
            return writeDecoder(source, out, opts, copyFrom(modelDir, opts, null));
        } catch (CheckpointException e) {
            throw new OnnxExportException("cannot export " + modelDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Exports a decoder; {@link Checkpoint#WRITE} needs its weights in memory ({@link DecoderWeights}), and
     * {@link Checkpoint#COPY} a source read from a folder ({@link StreamedCheckpoint}).
     */
    public static ExportManifest writeDecoder(DecoderSource weights, Path out, Options o) {
        CheckpointFiles ckpt = switch (o.checkpoint()) {
            case WRITE -> {
                if (!(weights instanceof DecoderWeights held)) {
                    throw new IllegalArgumentException("a streamed decoder has no weights in hand to write: copy its checkpoint instead");
                }
                yield stage -> CheckpointWriter.save(held, stage, null);
            }
            case COPY -> {
                if (!(weights instanceof StreamedCheckpoint read)) {
                    throw new IllegalArgumentException("weights held in memory have no folder to copy a checkpoint from: write it instead");
                }
                yield copyFrom(read.dir(), o, null);
            }
            default -> null;
        };
        return writeDecoder(weights, out, o, ckpt);
    }

    /** Exports an encoder (float32); {@link Checkpoint#COPY} is for {@link #writeFolder}, which knows the folder. */
    public static ExportManifest writeEncoder(EncoderWeights weights, Path out, Options o) {
        if (o.checkpoint() == Checkpoint.COPY) {
            throw new IllegalArgumentException("encoder weights in memory have no folder to copy a checkpoint from: write it instead");
        }
        return writeEncoder(weights, out, o, o.checkpoint() == Checkpoint.WRITE ? stage -> CheckpointWriter.save(weights, stage, null) : null);
    }

    private static ExportManifest writeDecoder(DecoderSource weights, Path out, Options o, CheckpointFiles ckpt) {
        ModelDescription d = ModelDescription.of(weights, o.fp16());
        Map<String, String> meta = ModelExport.metadata(weights, o.fp16());
        meta.putAll(o.metadata());
        long estimatedBytes = weights.parameterCount() * (o.fp16() ? 2 : 4);
        Graph graph = modelFile -> {
            if (estimatedBytes > o.externalDataThreshold()) {
                // streamed: each block's weights go to the data file as they are read, so the export holds one block
                try (ExternalData data = new ExternalData(modelFile.resolveSibling(ModelExport.MODEL_FILE + ".data"))) {
                    return OnnxWriter.write(DecoderOnnxExporter.build(weights, o.fp16(), data), meta, modelFile, 0);
                }
            }
            return OnnxWriter.write(DecoderOnnxExporter.build(weights, o.fp16()), meta, modelFile, Long.MAX_VALUE);
        };
        return write(d, graph, ckpt, out, o);
    }

    private static ExportManifest writeEncoder(EncoderWeights weights, Path out, Options o, CheckpointFiles ckpt) {
        if (o.fp16()) {
            throw new OnnxExportException("encoders are exported in float32 only");
        }
        Map<String, String> meta = EncoderOnnxExporter.metadata(weights);
        meta.putAll(o.metadata());
        Graph graph = modelFile -> OnnxWriter.write(EncoderOnnxExporter.build(weights), meta, modelFile, OnnxWriter.DEFAULT_EXTERNAL_THRESHOLD);
        return write(ModelDescription.of(weights), graph, ckpt, out, o);
    }

    /** For COPY: config.json and the safetensors files (shards and their index too); otherwise the given writer. */
    private static CheckpointFiles copyFrom(Path modelDir, Options o, CheckpointFiles otherwise) {
        if (o.checkpoint() == Checkpoint.COPY) {
            return stage -> {
                try (Stream<Path> files = Files.list(modelDir)) {
                    for (Path f : files.filter(ArtifactWriter::isCheckpointFile).toList()) {
                        Files.copy(f, stage.resolve(f.getFileName()));
                    }
                }
            };
        }
        return o.checkpoint() == Checkpoint.WRITE ? otherwise : null;
    }

    static boolean isCheckpointFile(Path p) {
        String n = p.getFileName().toString();
        return n.equals(CheckpointWriter.CONFIG_FILE) || n.endsWith(".safetensors") || n.equals("model.safetensors.index.json");
    }

    private static ExportManifest write(ModelDescription d, Graph graph, CheckpointFiles ckpt, Path out, Options o) {
        prepareOutput(out);
        Path target = out.toAbsolutePath().normalize();
        Path stage = target.resolveSibling("." + target.getFileName() + ".staging-" + UUID.randomUUID());
        try {
            Files.createDirectory(stage);
            graph.write(stage.resolve(ModelExport.MODEL_FILE));
            Path tokenizer = o.tokenizer();
            if (tokenizer != null && !sameFile(tokenizer.toAbsolutePath().getParent(), target)) {
                TokenizerFiles.copy(tokenizer, stage);
            }
            if (ckpt != null) {
                ckpt.write(stage);
            }
            for (Path extra : o.extraFiles()) {
                if (!sameFile(extra.toAbsolutePath().getParent(), target)) {
                    Files.copy(extra, stage.resolve(extra.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            moveInto(stage, target);
            ExportManifest manifest = d.manifest(filesOf(target));
            manifest.write(target);
            return manifest;
        } catch (IOException e) {
            throw new OnnxExportException(out + ": cannot write the model folder (" + e.getMessage() + ")", e);
        } finally {
            AtomicFiles.tryDeleteRecursively(stage);
        }
    }

    /**
     * An empty target is replaced by the staging folder in one rename; otherwise each staged file replaces its namesake,
     * and a stale external-data file or manifest of an earlier export goes first.
     */
    private static void moveInto(Path stage, Path target) throws IOException {
        boolean empty;
        try (Stream<Path> s = Files.list(target)) {
            empty = s.findAny().isEmpty();
        }
        if (empty) {
            Files.delete(target);
            AtomicFiles.moveAtomically(stage, target);
            return;
        }
        Files.deleteIfExists(target.resolve(ExportManifest.FILE));
        String data = ModelExport.MODEL_FILE + ".data";
        if (!Files.exists(stage.resolve(data))) {
            Files.deleteIfExists(target.resolve(data));
        }
        try (Stream<Path> files = Files.list(stage)) {
            for (Path f : files.toList()) {
                Files.move(f, target.resolve(f.getFileName()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** Every file of the folder but the manifest itself and leftovers of an interrupted write, by relative path. */
    private static List<ExportManifest.FileEntry> filesOf(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            List<ExportManifest.FileEntry> out = new ArrayList<>();
            for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
                String rel = dir.relativize(f).toString();
                if (!rel.equals(ExportManifest.FILE) && !rel.endsWith(".tmp") && !rel.startsWith(".")) {
                    out.add(ExportManifest.FileEntry.of(dir, f));
                }
            }
            return out;
        }
    }

    private static void prepareOutput(Path outDir) {
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new OnnxExportException("output folder " + outDir + " cannot be created (" + e + ")", e);
        }
        if (!Files.isDirectory(outDir) || !Files.isWritable(outDir)) {
            throw new OnnxExportException("output folder " + outDir + " is not a writable directory");
        }
    }

    private static boolean sameFile(Path a, Path b) {
        return a != null && b != null && a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
