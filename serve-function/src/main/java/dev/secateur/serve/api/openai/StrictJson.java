package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.secateur.serve.generate.InvalidRequestException;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Reads an OpenAI request body into its record, refusing fields the record does not know: OpenAI answers an
 * unrecognized argument with a 400, and a parameter this server silently dropped would change what the client
 * gets without telling it.
 */
@ApplicationScoped
public class StrictJson {

    private final ObjectMapper mapper;

    public StrictJson(ObjectMapper mapper) {
        this.mapper = mapper.copy().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** @throws JsonProcessingException a wrong type (mapped to 400 naming the field) */
    public <T> T read(JsonNode body, Class<T> type) throws JsonProcessingException {
        if (body == null || body.isNull() || body.isMissingNode()) {
            throw new InvalidRequestException("request body is required", null);
        }
        if (!body.isObject()) {
            throw new InvalidRequestException("request body must be a JSON object", null);
        }
        try {
            return mapper.treeToValue(body, type);
        } catch (UnrecognizedPropertyException e) {
            throw new InvalidRequestException("unrecognized request argument supplied: " + e.getPropertyName(),
                    e.getPropertyName());
        }
    }

    /** Refuses a parameter this server cannot honour, naming it; absent or JSON null passes. */
    static void unsupported(JsonNode value, String param, String why) {
        if (value != null && !value.isNull()) {
            throw new InvalidRequestException(param + " is not supported by this server: " + why, param);
        }
    }
}
