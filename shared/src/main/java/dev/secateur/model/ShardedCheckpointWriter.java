package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.DType;
import dev.secateur.checkpoint.SafetensorsWriter;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.json.Json;
import dev.secateur.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a Hugging Face checkpoint as it is produced: each call to {@link #writeShard} writes one
 * safetensors shard (the embeddings, one block, the head) and forgets its tensors, so a model of any size is
 * written holding one block. {@link #finish} writes model.safetensors.index.json, config.json and the tokenizer.
 * The shard count is fixed up front because Hugging Face names shards "-of-N".
 */
public final class ShardedCheckpointWriter {
    private final Path dir;
    private final int shards;
    private final DType dtype;
    private final Map<String, String> weightMap = new TreeMap<>();
    private int written;
    private long totalBytes;

    public ShardedCheckpointWriter(Path dir, int shards, DType dtype) {
        if (shards < 1) {
            throw new IllegalArgumentException("a checkpoint needs at least one shard");
        }
        this.dir = dir;
        this.shards = shards;
        this.dtype = dtype;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot create checkpoint folder (" + e.getMessage() + ")", e);
        }
    }

    public void writeShard(Map<String, Tensor> tensors) {
        if (written == shards) {
            throw new IllegalStateException("all " + shards + " shards are written");
        }
        String name = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", written + 1, shards);
        SafetensorsWriter.write(dir.resolve(name), tensors, dtype, Map.of());
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            weightMap.put(e.getKey(), name);
            totalBytes += (long) e.getValue().numel() * dtype.bytes();
        }
        written++;
    }

    /** Tokenizer side files a server needs beside tokenizer.json (chat template, special tokens, generation defaults). */
    public static final java.util.List<String> SIDE_FILES = java.util.List.of("tokenizer_config.json", "special_tokens_map.json",
            "chat_template.jinja", "chat_template.json", "generation_config.json");

    /**
     * @param tokenizer tokenizer.json to copy, or null
     * @param sourceDir the source model folder whose {@link #SIDE_FILES} are copied when present, or null
     */
    public void finish(ObjectNode config, Path tokenizer, Path sourceDir) {
        if (written != shards) {
            throw new IllegalStateException(written + " of " + shards + " shards written");
        }
        ObjectNode index = Json.mapper().createObjectNode();
        index.putObject("metadata").put("total_size", totalBytes);
        ObjectNode map = index.putObject("weight_map");
        weightMap.forEach(map::put);
        config.put("torch_dtype", switch (dtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
        });
        try {
            AtomicFiles.writeAtomically(dir.resolve(Checkpoint.INDEX), Json.toPrettyBytes(index));
            AtomicFiles.writeAtomically(dir.resolve("config.json"), Json.toPrettyBytes(config));
            if (tokenizer != null && !tokenizer.toAbsolutePath().equals(dir.resolve("tokenizer.json").toAbsolutePath())) {
                Files.copy(tokenizer, dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
            }
            for (String side : sourceDir == null ? java.util.List.<String>of() : SIDE_FILES) {
                Path f = sourceDir.resolve(side);
                if (Files.isRegularFile(f)) {
                    Files.copy(f, dir.resolve(side), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot write checkpoint (" + e.getMessage() + ")", e);
        }
    }
}
