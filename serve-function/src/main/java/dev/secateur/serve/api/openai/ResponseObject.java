package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.engine.Finish;
import java.util.List;

/**
 * OpenAI's response object (the Responses API), with every key the SDKs require present, null where it has no value.
 * This server stores nothing, so {@code store} is false whatever was asked. Output items are {@link OutputMessage}s
 * and {@link FunctionCall}s.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ResponseObject(String id, String object, @JsonProperty("created_at") long createdAt, String status,
                             boolean background, Object error,
                             @JsonProperty("incomplete_details") IncompleteDetails incompleteDetails,
                             String instructions, @JsonProperty("max_output_tokens") Integer maxOutputTokens,
                             String model, List<Object> output,
                             @JsonProperty("parallel_tool_calls") boolean parallelToolCalls,
                             @JsonProperty("previous_response_id") String previousResponseId,
                             Reasoning reasoning, @JsonProperty("service_tier") String serviceTier, boolean store,
                             double temperature, Text text, @JsonProperty("tool_choice") Object toolChoice,
                             List<Tool> tools, @JsonProperty("top_p") double topP, String truncation,
                             ResponseUsage usage, String user, JsonNode metadata) {

    static final String OBJECT = "response";
    static final String IN_PROGRESS = "in_progress";
    static final String COMPLETED = "completed";
    static final String INCOMPLETE = "incomplete";

    public record IncompleteDetails(String reason) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Reasoning(String effort, String summary) {
    }

    public record Text(Format format) {
    }

    public record Format(String type) {
    }

    /** The assistant's message, the one output item a text answer has. */
    public record OutputMessage(String id, String type, String status, String role, List<OutputText> content) {

        static OutputMessage of(String id, String status, List<OutputText> content) {
            return new OutputMessage(id, "message", status, "assistant", content);
        }
    }

    /** A function tool as the Responses API spells it (flat, not under "function" as chat does). */
    public record Tool(String type, String name, String description, Object parameters, boolean strict) {
    }

    /** A call the model made, as a function_call output item. */
    public record FunctionCall(String type, String id, @JsonProperty("call_id") String callId, String name,
                               String arguments, String status) {

        static FunctionCall of(String id, String callId, String name, String arguments, String status) {
            return new FunctionCall("function_call", id, callId, name, arguments, status);
        }
    }

    public record OutputText(String type, String text, List<Object> annotations, List<Object> logprobs) {

        static OutputText of(String text) {
            return new OutputText("output_text", text, List.of(), List.of());
        }
    }

    public record ResponseUsage(@JsonProperty("input_tokens") int inputTokens,
                                @JsonProperty("input_tokens_details") InputDetails inputTokensDetails,
                                @JsonProperty("output_tokens") int outputTokens,
                                @JsonProperty("output_tokens_details") OutputDetails outputTokensDetails,
                                @JsonProperty("total_tokens") int totalTokens) {

        static ResponseUsage of(int input, int output) {
            return new ResponseUsage(input, new InputDetails(0, 0), output, new OutputDetails(0), input + output);
        }
    }

    public record InputDetails(@JsonProperty("cached_tokens") int cachedTokens,
                               @JsonProperty("cache_write_tokens") int cacheWriteTokens) {
    }

    public record OutputDetails(@JsonProperty("reasoning_tokens") int reasoningTokens) {
    }

    static String status(Finish finish) {
        return finish == Finish.LENGTH ? INCOMPLETE : COMPLETED;
    }

    static IncompleteDetails details(Finish finish) {
        return finish == Finish.LENGTH ? new IncompleteDetails("max_output_tokens") : null;
    }
}
