package dev.secateur.prune.service;

import dev.secateur.onnx.ModelExport;
import dev.secateur.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;


/**
 * The ONNX form serve-function loads, written beside the pruned checkpoint: a decoder's graph (read back block by block,
 * so the export holds one block, like the pruning did) or an encoder's (secateur.kind=encoder, served on
 * /v1/embeddings). The exporter's own manifest.json is left behind: the store writes the version's manifest, so only
 * the model files (model.onnx and its external data) move into the output folder, where tokenizer.json already is.
 */
final class ServableExport {
    private ServableExport() {
    }

    /** @param metadata extra metadata_props (the plan, the source's hash) */
    static void write(Path out, boolean fp16, Map<String, String> metadata) throws IOException {
        Path onnxDir = out.resolveSibling(out.getFileName() + ".onnx");
        try {
            ModelExport.exportFolder(out, onnxDir, fp16, metadata);
            try (Stream<Path> files = Files.list(onnxDir)) {
                for (Path f : files.filter(f -> f.getFileName().toString().startsWith(ModelExport.MODEL_FILE)).toList()) {
                    Files.move(f, out.resolve(f.getFileName()));
                }
            }
        } finally {
            AtomicFiles.deleteRecursively(onnxDir);
        }
    }
}
