package dev.secateur.prune.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The Python-made reference fixtures under src/test/resources/fixtures (see tools/reference/README.md). */
public final class Fixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {
    }

    public static Path dir(String name) {
        String first = name.contains("/") ? name.substring(0, name.indexOf('/')) : name;
        if (DERIVED_FROM.containsKey(first)) {
            return name.equals(first) ? derived(first) : derived(first).resolve(name.substring(first.length() + 1));
        }
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fixtures made at test time from a committed one, by config.json alone; their expected.json is the source's. */
    private static final java.util.Map<String, String> DERIVED_FROM = java.util.Map.of("mistral", "llama-gqa");

    /**
     * "mistral": the llama-gqa weights under a MistralForCausalLM config with sliding_window 32. Mistral's block is
     * Llama's and the 7 test tokens lie inside the window, so llama-gqa's reference logits are Mistral's too; the
     * window (below max_position_embeddings 128) caps the usable context at 32.
     */
    private static final java.util.Set<String> MADE = new java.util.HashSet<>();

    private static synchronized Path derived(String name) {
        Path dir = Path.of("target", "derived-fixtures", name).toAbsolutePath();
        try {
            // written afresh once per JVM, so a changed derivation never meets a stale folder
            if (MADE.add(name)) {
                Path source = dir(DERIVED_FROM.get(name));
                java.nio.file.Files.createDirectories(dir);
                try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(source)) {
                    for (Path f : files.toList()) {
                        if (!f.getFileName().toString().equals("config.json")) {
                            java.nio.file.Files.copy(f, dir.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
                com.fasterxml.jackson.databind.node.ObjectNode c =
                        (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(source.resolve("config.json").toFile());
                c.putArray("architectures").add("MistralForCausalLM");
                c.put("model_type", "mistral");
                c.put("sliding_window", 32);
                c.remove(java.util.List.of("mlp_bias", "pretraining_tp"));
                Path tmp = dir.resolve("config.json.tmp");
                JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), c);
                java.nio.file.Files.move(tmp, dir.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode json(String relative) {
        try {
            return JSON.readTree(dir(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static long[][] inputIds(JsonNode expected) {
        JsonNode ids = expected.get("input_ids");
        long[][] out = new long[ids.size()][];
        for (int b = 0; b < out.length; b++) {
            out[b] = new long[ids.get(b).size()];
            for (int t = 0; t < out[b].length; t++) {
                out[b][t] = ids.get(b).get(t).asLong();
            }
        }
        return out;
    }

    public static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }
}
