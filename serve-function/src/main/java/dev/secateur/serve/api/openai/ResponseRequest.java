package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The body of POST /v1/responses as sent; {@link ResponseRequests} validates it. Fields this server cannot honour
 * (tools, stored conversations, reasoning, images) are declared so they are refused by name rather than as unknown.
 */
public record ResponseRequest(
        String model,
        JsonNode input,
        String instructions,
        @JsonProperty("max_output_tokens") Integer maxOutputTokens,
        Double temperature,
        @JsonProperty("top_p") Double topP,
        Boolean stream,
        @JsonProperty("stream_options") JsonNode streamOptions,
        Boolean store,
        JsonNode metadata,
        String user,
        @JsonProperty("parallel_tool_calls") Boolean parallelToolCalls,
        @JsonProperty("previous_response_id") JsonNode previousResponseId,
        JsonNode conversation,
        JsonNode tools,
        @JsonProperty("tool_choice") JsonNode toolChoice,
        @JsonProperty("max_tool_calls") JsonNode maxToolCalls,
        JsonNode text,
        JsonNode reasoning,
        JsonNode truncation,
        JsonNode include,
        @JsonProperty("top_logprobs") JsonNode topLogprobs,
        JsonNode background,
        JsonNode prompt,
        @JsonProperty("service_tier") JsonNode serviceTier,
        @JsonProperty("prompt_cache_key") String promptCacheKey,
        @JsonProperty("safety_identifier") String safetyIdentifier,
        // vLLM's sampling extensions, sent in extra_body
        @JsonProperty("top_k") Integer topK,
        @JsonProperty("min_p") Double minP) {

    boolean streaming() {
        return Boolean.TRUE.equals(stream);
    }
}
