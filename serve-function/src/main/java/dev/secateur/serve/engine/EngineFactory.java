package dev.secateur.serve.engine;

import java.nio.file.Path;

/** Opens a verified version folder (model.onnx, tokenizer.json, manifest.json) on a runtime. */
public interface EngineFactory {
    LoadedModel open(Path versionDir, RuntimeOptions options) throws Exception;
}
