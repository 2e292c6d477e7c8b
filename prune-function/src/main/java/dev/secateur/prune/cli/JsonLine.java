package dev.secateur.prune.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.secateur.json.Json;

/** The one JSON line a command prints on stdout; null fields stay in, since scripts look for every key. */
public final class JsonLine {
    private JsonLine() {
    }

    public static String of(Object value) {
        try {
            return Json.keepingNulls().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
