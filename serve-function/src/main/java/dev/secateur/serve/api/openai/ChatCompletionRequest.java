package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The body of POST /v1/chat/completions as sent; {@link ChatRequests} validates it. The JsonNode fields after
 * {@code user} are parameters this server cannot honour: they are declared only to be refused by name.
 */
public record ChatCompletionRequest(
        String model,
        JsonNode messages,
        @JsonProperty("max_tokens") Integer maxTokens,
        @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
        Double temperature,
        @JsonProperty("top_p") Double topP,
        Integer n,
        JsonNode stop,
        Long seed,
        Boolean stream,
        @JsonProperty("stream_options") StreamOptions streamOptions,
        Boolean logprobs,
        @JsonProperty("top_logprobs") Integer topLogprobs,
        @JsonProperty("presence_penalty") Double presencePenalty,
        @JsonProperty("frequency_penalty") Double frequencyPenalty,
        String user,
        JsonNode tools,
        @JsonProperty("tool_choice") JsonNode toolChoice,
        @JsonProperty("parallel_tool_calls") JsonNode parallelToolCalls,
        JsonNode functions,
        @JsonProperty("function_call") JsonNode functionCall,
        @JsonProperty("response_format") JsonNode responseFormat,
        @JsonProperty("logit_bias") JsonNode logitBias,
        JsonNode audio,
        JsonNode modalities,
        JsonNode prediction,
        @JsonProperty("web_search_options") JsonNode webSearchOptions,
        @JsonProperty("reasoning_effort") JsonNode reasoningEffort,
        JsonNode store,
        // identifiers a client may attach: accepted, used for nothing here (as user is)
        JsonNode metadata,
        @JsonProperty("prompt_cache_key") String promptCacheKey,
        @JsonProperty("safety_identifier") String safetyIdentifier,
        @JsonProperty("service_tier") JsonNode serviceTier,
        JsonNode verbosity,
        // vLLM's sampling extensions, which the OpenAI SDKs send in extra_body (Qwen's model cards ask for top_k)
        @JsonProperty("top_k") Integer topK,
        @JsonProperty("min_p") Double minP) implements StreamFlags {
}
