package dev.secateur.checkpoint;

import dev.secateur.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Hugging Face model folder: config.json plus model.safetensors, or shards listed by
 * model.safetensors.index.json. Tensors are read lazily, one at a time.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String INDEX = "model.safetensors.index.json";
    public static final String SINGLE = "model.safetensors";
    private static final ObjectMapper JSON = Json.mapper();

    private final Path dir;
    private final ModelConfig config;
    private final List<SafetensorsReader> files;
    private final Map<String, SafetensorsReader> byTensor;
    /** The name a tensor is stored under, where it differs from the name it is read by (a multimodal checkpoint's text model). */
    private final Map<String, String> stored;

    private Checkpoint(Path dir, ModelConfig config, List<SafetensorsReader> files, Map<String, SafetensorsReader> byTensor) {
        this.dir = dir;
        this.config = config;
        this.files = files;
        this.stored = new java.util.HashMap<>();
        this.byTensor = textModelView(byTensor, stored);
    }

    public static Checkpoint open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": model folder does not exist");
        }
        ModelConfig config = ConfigReader.read(dir);
        List<SafetensorsReader> files = new ArrayList<>();
        Map<String, SafetensorsReader> byTensor = new LinkedHashMap<>();
        try {
            if (Files.isRegularFile(dir.resolve(INDEX))) {
                openShards(dir, files, byTensor);
            } else if (Files.isRegularFile(dir.resolve(SINGLE))) {
                SafetensorsReader r = SafetensorsReader.open(dir.resolve(SINGLE));
                files.add(r);
                r.entries().keySet().forEach(n -> byTensor.put(n, r));
            } else {
                throw new CheckpointException(dir + ": no " + SINGLE + " and no " + INDEX);
            }
        } catch (RuntimeException e) {
            files.forEach(SafetensorsReader::close);
            throw e;
        }
        return new Checkpoint(dir, config, files, byTensor);
    }

    private static void openShards(Path dir, List<SafetensorsReader> files, Map<String, SafetensorsReader> byTensor) {
        Path index = dir.resolve(INDEX);
        JsonNode map;
        try {
            map = JSON.readTree(index.toFile()).get("weight_map");
        } catch (IOException e) {
            throw new CheckpointException(index + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        if (map == null || !map.isObject()) {
            throw new CheckpointException(index + ": no \"weight_map\" object");
        }
        Map<String, SafetensorsReader> shards = new LinkedHashMap<>();
        for (var it = map.fields(); it.hasNext(); ) {
            var e = it.next();
            String shard = e.getValue().asText();
            SafetensorsReader r = shards.get(shard);
            if (r == null) {
                Path p = dir.resolve(shard).normalize();
                if (!p.startsWith(dir.normalize()) || !Files.isRegularFile(p)) {
                    throw new CheckpointException(index + ": names shard '" + shard + "' (for tensor '" + e.getKey()
                            + "') which does not exist in " + dir);
                }
                r = SafetensorsReader.open(p);
                shards.put(shard, r);
                files.add(r);
            }
            if (!r.contains(e.getKey())) {
                throw new CheckpointException(index + ": maps tensor '" + e.getKey() + "' to " + shard + ", which does not hold it");
            }
            byTensor.put(e.getKey(), r);
        }
    }

    /**
     * Gemma3ForConditionalGeneration keeps its language model under language_model.model.* (transformers 4.50) or
     * model.language_model.* (4.52 on), beside a vision tower and a projector. Its text model is read under the names
     * a Gemma3ForCausalLM stores (model.*, lm_head.weight); the vision parts are not read. Other folders are as stored.
     */
    private static Map<String, SafetensorsReader> textModelView(Map<String, SafetensorsReader> byTensor, Map<String, String> stored) {
        String[][] prefixes = {{"language_model.model.", "model."}, {"model.language_model.", "model."},
                {"language_model.lm_head.", "lm_head."}};
        boolean multimodal = byTensor.keySet().stream().anyMatch(n -> n.startsWith(prefixes[0][0]) || n.startsWith(prefixes[1][0]));
        if (!multimodal) {
            return byTensor;
        }
        Map<String, SafetensorsReader> view = new LinkedHashMap<>();
        byTensor.forEach((name, reader) -> {
            for (String[] p : prefixes) {
                if (name.startsWith(p[0])) {
                    String as = p[1] + name.substring(p[0].length());
                    view.put(as, reader);
                    stored.put(as, name);
                    return;
                }
            }
            if (name.startsWith("lm_head.")) {
                view.put(name, reader);
            }
        });
        return view;
    }

    private String storedName(String name) {
        return stored.getOrDefault(name, name);
    }

    public Path dir() {
        return dir;
    }

    public ModelConfig config() {
        return config;
    }

    public Set<String> names() {
        return byTensor.keySet();
    }

    public boolean has(String name) {
        return byTensor.containsKey(name);
    }

    public int[] shape(String name) {
        return source(name).entries().get(storedName(name)).shape().clone();
    }

    /** The element type a tensor is stored in (everything is widened to float32 on read). */
    public DType dtype(String name) {
        return source(name).entries().get(storedName(name)).dtype();
    }

    public Tensor tensor(String name) {
        return source(name).read(storedName(name));
    }

    /** Reads a tensor and checks its shape, so a config/weights mismatch names the tensor. */
    public Tensor tensor(String name, int... expectedShape) {
        Tensor t = tensor(name);
        if (!Arrays.equals(t.shape(), expectedShape)) {
            throw new CheckpointException(dir + ": tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + " but config.json implies " + Arrays.toString(expectedShape));
        }
        return t;
    }

    /** Selected rows of a tensor, widened to float32 (see {@link SafetensorsReader#readRows}). */
    public Tensor rows(String name, int[] rows) {
        return source(name).readRows(storedName(name), rows);
    }

    public Optional<Path> tokenizer() {
        Path p = dir.resolve("tokenizer.json");
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    private SafetensorsReader source(String name) {
        SafetensorsReader r = byTensor.get(name);
        if (r == null) {
            throw new CheckpointException(dir + ": missing tensor '" + name + "'");
        }
        return r;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsReader::close);
    }
}
