package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** OpenAI's text_completion object; stream chunks use the same shape without usage. */
public record CompletionResponse(
        String id,
        String object,
        long created,
        String model,
        List<ChoiceBody> choices,
        @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage) {

    public static final String OBJECT = "text_completion";

    public record ChoiceBody(String text, int index, LogprobsBody logprobs,
                             @JsonProperty("finish_reason") String finishReason) {
    }

    public record LogprobsBody(List<String> tokens,
                               @JsonProperty("token_logprobs") List<Float> tokenLogprobs,
                               @JsonProperty("top_logprobs") List<Object> topLogprobs,
                               @JsonProperty("text_offset") List<Integer> textOffset) {
    }

    public record Usage(@JsonProperty("prompt_tokens") int promptTokens,
                        @JsonProperty("completion_tokens") int completionTokens,
                        @JsonProperty("total_tokens") int totalTokens) {
    }
}
