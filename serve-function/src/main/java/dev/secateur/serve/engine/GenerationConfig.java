package dev.secateur.serve.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.json.Json;
import dev.secateur.runtime.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The end-of-sequence ids of a version's generation_config.json, which Hugging Face's generate() and vLLM stop at
 * on every request: instruction-tuned checkpoints list their end-of-turn token there (Llama 3.1's {@code <|eot_id|>},
 * Qwen2.5's {@code <|endoftext|>} beside {@code <|im_end|>}) while config.json often names only one id.
 */
final class GenerationConfig {

    static final String FILE = "generation_config.json";

    private GenerationConfig() {
    }

    /** eos_token_id (one id or a list of them); empty when the folder has no such file or the file names none. */
    static Set<Long> eosTokenIds(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Set.of();
        }
        JsonNode eos;
        try {
            eos = Json.mapper().readTree(file.toFile()).path("eos_token_id");
        } catch (IOException e) {
            throw new ModelLoadException(file + ": not valid JSON (" + e.getMessage() + "); the version is not served", e);
        }
        Set<Long> ids = new LinkedHashSet<>();
        for (JsonNode id : eos.isArray() ? eos : java.util.List.of(eos)) {
            if (id.isMissingNode() || id.isNull()) {
                continue;
            }
            if (!id.canConvertToLong() || !id.isIntegralNumber() || id.asLong() < 0) {
                throw new ModelLoadException(file + ": eos_token_id must be a token id or a list of them, not " + eos
                        + "; the version is not served");
            }
            ids.add(id.asLong());
        }
        return ids;
    }
}
