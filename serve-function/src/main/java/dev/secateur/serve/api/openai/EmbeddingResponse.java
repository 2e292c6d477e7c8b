package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;

/** OpenAI's embedding list. */
public record EmbeddingResponse(String object, List<Item> data, String model, Usage usage) {

    public static final String OBJECT = "list";

    /** @param embedding a float array, or with encoding_format base64 the base64 of its little-endian float32 bytes */
    public record Item(String object, int index, Object embedding) {
        public static final String OBJECT = "embedding";
    }

    public record Usage(@JsonProperty("prompt_tokens") long promptTokens,
                        @JsonProperty("total_tokens") long totalTokens) {
    }

    /** How OpenAI encodes an embedding for encoding_format base64 (and what its SDKs decode). */
    static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return Base64.getEncoder().encodeToString(b.array());
    }
}
