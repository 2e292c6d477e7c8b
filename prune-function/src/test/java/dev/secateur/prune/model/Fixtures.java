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
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
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
