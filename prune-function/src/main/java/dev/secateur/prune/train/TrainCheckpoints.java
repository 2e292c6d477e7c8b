package dev.secateur.prune.train;

import dev.secateur.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.DType;
import dev.secateur.checkpoint.SafetensorsReader;
import dev.secateur.checkpoint.SafetensorsWriter;
import dev.secateur.checkpoint.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Training checkpoints in one folder: each is a sub-folder {@code step-NNNNNNNN/} with weights.safetensors
 * (the live parameters by name, F32), optimizer.safetensors (AdamW moments) and state.json (step, optimizer
 * update count, seed, RNG position, losses so far, run settings). A checkpoint becomes visible only when the
 * pointer file {@code latest} is atomically replaced to name it, after every file of it has been written and
 * fsynced, so a kill at any moment leaves the previous checkpoint intact. Older checkpoints are then deleted.
 */
public final class TrainCheckpoints {
    private static final ObjectMapper JSON = Json.mapper();
    static final String LATEST = "latest";

    private final Path dir;

    public TrainCheckpoints(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** Creates the folder and proves it writable, so a bad --out fails before hours of training, not after. */
    public void checkWritable() {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".probe", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException(dir + ": checkpoint folder is not writable (" + e.getMessage() + ")", e);
        }
    }

    /** What a checkpoint holds besides tensors. */
    public record State(int step, long optimizerUpdates, ObjectNode info) {
    }

    public record Loaded(State state, Map<String, Tensor> weights, Map<String, Tensor> optimizer) {
    }

    public void save(State state, Map<String, Tensor> weights, Map<String, Tensor> optimizer) {
        String name = String.format("step-%08d", state.step());
        Path target = dir.resolve(name);
        Path tmp = dir.resolve(name + ".partial");
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            SafetensorsWriter.write(tmp.resolve("weights.safetensors"), weights, DType.F32, Map.of());
            SafetensorsWriter.write(tmp.resolve("optimizer.safetensors"), optimizer, DType.F32, Map.of());
            ObjectNode json = JSON.createObjectNode();
            json.put("step", state.step());
            json.put("optimizer_updates", state.optimizerUpdates());
            json.set("info", state.info());
            writeSynced(tmp.resolve("state.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json));
            deleteTree(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            Path pointerTmp = dir.resolve(LATEST + ".tmp");
            writeSynced(pointerTmp, name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            Files.move(pointerTmp, dir.resolve(LATEST), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "step-*")) {
                for (Path p : ds) {
                    if (!p.getFileName().toString().equals(name)) {
                        deleteTree(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write checkpoint (" + e.getMessage() + ")", e);
        }
    }

    /** The checkpoint that {@code latest} names, if any. */
    public Optional<Loaded> loadLatest() {
        Path pointer = dir.resolve(LATEST);
        if (!Files.isRegularFile(pointer)) {
            return Optional.empty();
        }
        try {
            Path ck = dir.resolve(Files.readString(pointer).trim());
            JsonNode json = JSON.readTree(ck.resolve("state.json").toFile());
            State state = new State(json.path("step").asInt(), json.path("optimizer_updates").asLong(),
                    json.path("info").isObject() ? (ObjectNode) json.path("info") : JSON.createObjectNode());
            return Optional.of(new Loaded(state, read(ck.resolve("weights.safetensors")), read(ck.resolve("optimizer.safetensors"))));
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot read checkpoint (" + e.getMessage() + ")", e);
        }
    }

    private static Map<String, Tensor> read(Path file) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            for (String n : r.entries().keySet()) {
                out.put(n, r.read(n));
            }
        }
        return out;
    }

    private static void writeSynced(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
