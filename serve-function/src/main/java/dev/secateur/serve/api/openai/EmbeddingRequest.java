package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/** The body of POST /v1/embeddings as sent; {@link EmbeddingInputs} validates it. */
public record EmbeddingRequest(
        String model,
        JsonNode input,
        @JsonProperty("encoding_format") String encodingFormat,
        Integer dimensions,
        String user) {

    public boolean base64() {
        return "base64".equals(encodingFormat);
    }
}
