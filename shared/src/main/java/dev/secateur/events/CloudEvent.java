package dev.secateur.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.json.Json;

import java.io.IOException;
import java.time.Instant;
import java.util.UUID;

/**
 * A CloudEvents 1.0 event with JSON data. Extension attributes are not carried: nothing here needs them,
 * and dropping them keeps binary and structured modes symmetric.
 *
 * @param time            optional in the spec; producers here always set it
 * @param datacontenttype null means application/json
 * @param subject         optional; we use the job id, so consumers can filter without parsing data
 * @param data            null when the event has no data
 */
public record CloudEvent(
        String id,
        String source,
        String type,
        String specversion,
        Instant time,
        String datacontenttype,
        String subject,
        JsonNode data) {

    public static final String SPEC_VERSION = "1.0";
    public static final String JSON = "application/json";

    public CloudEvent {
        requireAttribute("id", id);
        requireAttribute("source", source);
        requireAttribute("type", type);
        requireAttribute("specversion", specversion);
        if (!SPEC_VERSION.equals(specversion)) {
            throw new InvalidEventException("unsupported specversion '" + specversion + "' (only " + SPEC_VERSION + ")");
        }
        if (data != null && data.isNull()) {
            data = null;
        }
    }

    private static void requireAttribute(String name, String value) {
        if (value == null || value.isEmpty()) {
            throw new InvalidEventException("missing required attribute " + name);
        }
    }

    /** A new event with a random id, the current time and {@code data} converted to JSON. */
    public static CloudEvent of(String type, String source, String subject, Object data) {
        return new CloudEvent(UUID.randomUUID().toString(), source, type, SPEC_VERSION, Instant.now(), JSON,
                subject, data == null ? null : normalisedTree(data));
    }

    // Through bytes rather than valueToTree: a long field becomes a LongNode in memory but an IntNode when
    // read off the wire, and the two are not equal. Going through bytes makes sent and received events equal.
    private static JsonNode normalisedTree(Object data) {
        try {
            return Json.mapper().readTree(Json.toBytes(data));
        } catch (IOException e) {
            throw new IllegalStateException("cannot re-read serialised " + data.getClass().getName(), e);
        }
    }

    /** Binds the data to a record; a shape mismatch is an {@link InvalidEventException} naming the type. */
    public <T> T dataAs(Class<T> target) {
        if (data == null) {
            throw new InvalidEventException("event " + id + " of type " + type + " has no data");
        }
        try {
            return Json.mapper().treeToValue(data, target);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new InvalidEventException("event " + id + " data is not a valid " + target.getSimpleName()
                    + ": " + e.getMessage(), e);
        }
    }
}
