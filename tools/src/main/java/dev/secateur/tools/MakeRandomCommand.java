package dev.secateur.tools;

import dev.secateur.checkpoint.DType;
import dev.secateur.model.RandomCheckpoint;
import dev.secateur.prune.cli.EmptyOutputFolderOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** A random-weight checkpoint of a real architecture's shape, for measuring memory and time at real sizes. */
@Command(name = "make-random", mixinStandardHelpOptions = true,
        description = "Write a random-weight Hugging Face folder of a real architecture's exact shape.")
public class MakeRandomCommand implements Runnable {
    @Option(names = "--shape", required = true, description = "one of: ${COMPLETION-CANDIDATES}", completionCandidates = Shapes.class)
    String shape;

    @Option(names = "--dtype", defaultValue = "bf16", description = "f32, f16 or bf16 (default: ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = "--shards", defaultValue = "2", description = "safetensors files (default: ${DEFAULT-VALUE})")
    int shards;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--tokenizer", description = "tokenizer.json to copy in (any whose ids stay below the shape's vocabulary)")
    Path tokenizer;

    @Mixin
    EmptyOutputFolderOption out;

    static final class Shapes extends java.util.ArrayList<String> {
        Shapes() {
            super(RandomCheckpoint.SHAPES.keySet());
        }
    }

    @Override
    public void run() {
        RandomCheckpoint.Shape s = RandomCheckpoint.SHAPES.get(shape);
        if (s == null) {
            throw new IllegalArgumentException("--shape: unknown shape '" + shape + "' (known: " + String.join(", ", RandomCheckpoint.SHAPES.keySet()) + ")");
        }
        DType d = switch (dtype.toLowerCase(java.util.Locale.ROOT)) {
            case "f32", "fp32", "float32" -> DType.F32;
            case "f16", "fp16", "float16" -> DType.F16;
            case "bf16", "bfloat16" -> DType.BF16;
            default -> throw new IllegalArgumentException("--dtype: unknown dtype '" + dtype + "' (use f32, f16 or bf16)");
        };
        if (tokenizer != null && !Files.isRegularFile(tokenizer)) {
            throw new IllegalArgumentException("--tokenizer: " + tokenizer + " does not exist");
        }
        out.requireEmpty();
        Path dir = out.path();
        try {
            RandomCheckpoint.write(s, d, shards, seed, dir);
            if (tokenizer != null) {
                Files.copy(tokenizer, dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
        System.out.printf("{\"out\":\"%s\",\"shape\":\"%s\",\"parameters\":%d,\"dtype\":\"%s\",\"shards\":%d}%n", dir, shape, s.parameters(), d, shards);
    }
}
