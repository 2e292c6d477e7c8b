package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** OpenAI's embedding list. */
public record EmbeddingResponse(String object, List<Item> data, String model, Usage usage) {

    public static final String OBJECT = "list";

    public record Item(String object, int index, float[] embedding) {
        public static final String OBJECT = "embedding";
    }

    public record Usage(@JsonProperty("prompt_tokens") long promptTokens,
                        @JsonProperty("total_tokens") long totalTokens) {
    }
}
