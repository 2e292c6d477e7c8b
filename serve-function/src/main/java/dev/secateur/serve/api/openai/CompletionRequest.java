package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/** The body of POST /v1/completions as sent; {@link CompletionRequests} validates it. */
public record CompletionRequest(
        String model,
        JsonNode prompt,
        JsonNode suffix,
        @JsonProperty("max_tokens") Integer maxTokens,
        Double temperature,
        @JsonProperty("top_p") Double topP,
        Integer n,
        JsonNode stop,
        Long seed,
        Boolean stream,
        @JsonProperty("stream_options") StreamOptions streamOptions,
        Integer logprobs,
        Boolean echo,
        @JsonProperty("presence_penalty") Double presencePenalty,
        @JsonProperty("frequency_penalty") Double frequencyPenalty,
        @JsonProperty("best_of") Integer bestOf,
        @JsonProperty("logit_bias") JsonNode logitBias,
        String user,
        // vLLM's sampling extensions, which the OpenAI SDKs send in extra_body (Qwen's model cards ask for top_k)
        @JsonProperty("top_k") Integer topK,
        @JsonProperty("min_p") Double minP,
        // vLLM's structured output on completions, in chat's form
        @JsonProperty("response_format") JsonNode responseFormat) implements StreamFlags {
}
