package dev.secateur.model;

import dev.secateur.json.Json;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.DType;
import dev.secateur.checkpoint.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/** Writes {@link DecoderWeights} as a Hugging Face folder: config.json, model.safetensors, tokenizer.json. */
public final class CheckpointWriter {
    private static final ObjectMapper JSON = Json.mapper();

    private CheckpointWriter() {
    }

    public static void save(DecoderWeights w, Path dir, Path tokenizer) {
        ArchitectureAdapter adapter = ArchitectureAdapter.of(w.config().architecture());
        try {
            Files.createDirectories(dir);
            SafetensorsWriter.write(dir.resolve("model.safetensors"), adapter.write(w), DType.F32, Map.of());
            Path cfgTmp = dir.resolve("config.json.tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(cfgTmp.toFile(), adapter.config(w));
            Files.move(cfgTmp, dir.resolve("config.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            if (tokenizer != null && !tokenizer.toAbsolutePath().equals(dir.resolve("tokenizer.json").toAbsolutePath())) {
                Files.copy(tokenizer, dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot write checkpoint (" + e.getMessage() + ")", e);
        }
    }
}
