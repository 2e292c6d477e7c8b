package dev.secateur.prune.cli;

import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.onnx.ExportManifest;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Hugging Face folder (dense or pruned, decoder or encoder) → model.onnx + tokenizer.json + manifest.json. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export a model folder to ONNX (KV cache inputs/outputs, per-layer sizes in the metadata).")
public class ExportCommand implements Runnable {
    @Mixin
    ModelFolderOption model;

    @Mixin
    OutputFolderOption out;

    @Option(names = "--fp16", description = "store weights and compute in float16 (logits stay float32)")
    boolean fp16;

    @Override
    public void run() {
        long start = System.nanoTime();
        ExportManifest m = ArtifactWriter.writeFolder(model.path, out.path, ArtifactWriter.Options.defaults(fp16));
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("out", out.path.toString());
        line.put("architecture", m.architecture());
        line.put("parameters", m.parameters());
        line.put("dtype", m.dtype());
        line.put("bytes", m.files().stream().mapToLong(ExportManifest.FileEntry::size).sum());
        line.put("seconds", Math.round((System.nanoTime() - start) / 1e6) / 1000.0);
        System.out.println(JsonLine.of(line));
    }
}
