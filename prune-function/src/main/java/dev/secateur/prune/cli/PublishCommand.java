package dev.secateur.prune.cli;

import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.onnx.ExportManifest;
import dev.secateur.store.AtomicFiles;
import dev.secateur.store.ModelStore;
import dev.secateur.store.StoredVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Exports a Hugging Face folder and publishes it, with its checkpoint files, as the next version of a model
 * in the store: serve-function serves the ONNX graph, and a prune request can name the version as its source
 * (the demo's dense version 1, or a baseline to compare with).
 */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Export a model folder to ONNX and publish it as a new version in the model store.")
public class PublishCommand implements Runnable {
    @Option(names = "--name", required = true, description = "model name in the store")
    String name;

    @Mixin
    ModelFolderOption model;

    @Mixin
    StoreOption store;

    @Option(names = "--fp16", description = "export in float16")
    boolean fp16;

    @Override
    public void run() {
        ModelStore modelStore = new ModelStore(store.root);
        Path staging;
        try {
            Files.createDirectories(store.root);
            staging = Files.createTempDirectory(store.root, ".publish-");
        } catch (IOException e) {
            throw new IllegalArgumentException(store.root + ": cannot create a staging folder (" + e.getMessage() + ")", e);
        }
        try {
            ExportManifest exported = export(staging);
            StoredVersion v = modelStore.publish(name, staging, Map.of("architecture", exported.architecture(),
                    "source", model.path.toAbsolutePath().toString(), "parameters", Long.toString(exported.parameters())),
                    dev.secateur.store.VersionStatus.PUBLISHED, ModelStore.Transfer.MOVE);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("name", v.name());
            line.put("version", v.version());
            line.put("location", v.directory().toString());
            line.put("manifestSha256", v.manifestSha256());
            System.out.println(JsonLine.of(line));
        } finally {
            // a leftover staging folder is harmless: its name starts with a dot and the store ignores it
            AtomicFiles.tryDeleteRecursively(staging);
        }
    }

    /**
     * Either kind of model folder (the writer decides by its config; an encoder is served on /v1/embeddings), its
     * checkpoint files copied as they are, so a prune request can name the version as its source.
     */
    private ExportManifest export(Path staging) {
        if (fp16 && !ConfigReader.read(model.path).architecture().isDecoder()) {
            throw new IllegalArgumentException("--fp16: encoders are exported in float32 only");
        }
        return ArtifactWriter.writeFolder(model.path, staging, ArtifactWriter.Options.defaults(fp16).withCheckpoint(ArtifactWriter.Checkpoint.COPY));
    }
}
