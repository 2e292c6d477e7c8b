package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.DType;
import dev.secateur.checkpoint.SafetensorsWriter;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * Writes weights held in memory as a Hugging Face folder: model.safetensors, config.json and, when given,
 * tokenizer.json. Decoders and encoders differ only in their tensor names and config, which their adapters supply.
 */
public final class CheckpointWriter {
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String CONFIG_FILE = "config.json";

    private CheckpointWriter() {
    }

    /** @return the files written, in the folder */
    public static List<Path> save(DecoderWeights w, Path dir, Path tokenizer) {
        ArchitectureAdapter adapter = ArchitectureAdapter.of(w.config());
        return write(dir, adapter.write(w), adapter.config(w), tokenizer);
    }

    /** BertModel's names and a config recording every layer's sizes. */
    public static List<Path> save(EncoderWeights w, Path dir, Path tokenizer) {
        return write(dir, BertAdapter.tensors(w), BertAdapter.config(w), tokenizer);
    }

    private static List<Path> write(Path dir, Map<String, Tensor> tensors, ObjectNode config, Path tokenizer) {
        try {
            Files.createDirectories(dir);
            Path weights = dir.resolve(WEIGHTS_FILE);
            SafetensorsWriter.write(weights, tensors, DType.F32, Map.of());
            // config.json last and whole: a reader that finds it may trust the weights beside it
            Path cfg = dir.resolve(CONFIG_FILE);
            Path cfgTmp = dir.resolve(CONFIG_FILE + ".tmp");
            Json.mapper().writerWithDefaultPrettyPrinter().writeValue(cfgTmp.toFile(), config);
            Files.move(cfgTmp, cfg, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Path tok = dir.resolve("tokenizer.json");
            if (tokenizer != null && !tokenizer.toAbsolutePath().equals(tok.toAbsolutePath())) {
                Files.copy(tokenizer, tok, StandardCopyOption.REPLACE_EXISTING);
            }
            return tokenizer == null ? List.of(weights, cfg) : List.of(weights, cfg, tok);
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot write checkpoint (" + e.getMessage() + ")", e);
        }
    }
}
