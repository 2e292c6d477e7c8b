package dev.secateur.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one ObjectMapper the shared contracts and the project's files (config.json, tokenizer.json, manifests, plans,
 * reports) are written and read with, so that both functions agree on the format regardless of how each Quarkus app
 * configures its own mapper.
 */
public final class Json {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            // Producers may be newer than consumers: extra fields must not break old readers.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // "{...} garbage" is a corrupt message, not a valid one with noise after it.
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // RFC 3339 strings, as CloudEvents and humans reading manifests expect.
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    /** The same mapper writing null fields as null: for outputs whose readers look for every key (CLI lines, plan.json). */
    private static final ObjectMapper KEEPING_NULLS = MAPPER.copy().setSerializationInclusion(JsonInclude.Include.ALWAYS);

    private Json() {
    }

    /** Shared, thread-safe once configured; callers must not reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** {@link #mapper()}, but null fields are written as null rather than left out. */
    public static ObjectMapper keepingNulls() {
        return KEEPING_NULLS;
    }

    public static byte[] toBytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** Indented output, for files people open (manifest.json, report.json). */
    public static byte[] toPrettyBytes(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getName() + ": " + e.getOriginalMessage(), e);
        }
    }

    public static JsonNode toTree(Object value) {
        return MAPPER.valueToTree(value);
    }
}
