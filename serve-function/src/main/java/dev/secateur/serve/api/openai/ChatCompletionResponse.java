package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.secateur.serve.generate.ScoredToken;
import dev.secateur.serve.generate.TokenLogprobs;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** OpenAI's chat.completion object. */
public record ChatCompletionResponse(@JsonUnwrapped ChatHeader header, List<ChoiceBody> choices, Usage usage) {

    public static final String OBJECT = "chat.completion";
    public static final String ASSISTANT = "assistant";

    public record ChoiceBody(int index, Message message, LogprobsBody logprobs,
                             @JsonProperty("finish_reason") String finishReason) {
    }

    /**
     * refusal is always null: these models have no refusal channel; the key is there because clients expect it.
     * content is null when the answer is only tool calls, as OpenAI sends it.
     */
    public record Message(String role, @JsonInclude(JsonInclude.Include.ALWAYS) String content,
                          @JsonInclude(JsonInclude.Include.ALWAYS) String refusal,
                          @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("tool_calls") List<ToolCall> toolCalls) {

        Message(String role, String content) {
            this(role, content, null, null);
        }
    }

    /** A call the model made: OpenAI's {id, type: function, function: {name, arguments as a JSON string}}. */
    public record ToolCall(String id, String type, Function function) {
    }

    public record Function(String name, String arguments) {
    }

    /** Chat logprobs: one entry per generated token, its UTF-8 bytes and its top alternatives. */
    public record LogprobsBody(List<TokenBody> content, @JsonInclude(JsonInclude.Include.ALWAYS) List<TokenBody> refusal) {

        static LogprobsBody of(TokenLogprobs lp) {
            if (lp == null) {
                return null;
            }
            List<TokenBody> content = new ArrayList<>();
            for (ScoredToken t : lp.tokens()) {
                List<TokenBody> top = new ArrayList<>();
                for (ScoredToken.Alternative a : t.top()) {
                    top.add(new TokenBody(a.text(), a.logprob(), bytes(a.text()), null));
                }
                content.add(new TokenBody(t.text(), t.logprob() == null ? 0f : t.logprob(), bytes(t.text()), top));
            }
            return new LogprobsBody(content, null);
        }

        private static List<Integer> bytes(String text) {
            List<Integer> out = new ArrayList<>();
            for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
                out.add(b & 0xff);
            }
            return out;
        }
    }

    /** @param topLogprobs null inside a top_logprobs list, where OpenAI does not nest them */
    public record TokenBody(String token, float logprob, List<Integer> bytes,
                            @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("top_logprobs") List<TokenBody> topLogprobs) {
    }
}
