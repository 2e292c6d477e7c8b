package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.List;

/**
 * One chat.completion.chunk of a stream: a delta per choice (the role first, then content, then a last one with
 * finish_reason), or, with stream_options.include_usage, the final usage chunk with no choices.
 */
public record ChatCompletionChunk(@JsonUnwrapped ChatHeader header, List<ChoiceBody> choices,
                                  @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage) {

    public static final String OBJECT = "chat.completion.chunk";

    public record ChoiceBody(int index, Delta delta, ChatCompletionResponse.LogprobsBody logprobs,
                             @JsonProperty("finish_reason") String finishReason) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(String role, String content, @JsonProperty("tool_calls") List<ToolCallDelta> toolCalls) {

        public Delta(String role, String content) {
            this(role, content, null);
        }
    }

    /** A streamed call, sent whole in one delta (its index among the choice's calls, id, name and all its arguments). */
    public record ToolCallDelta(int index, String id, String type, ChatCompletionResponse.Function function) {
    }
}
