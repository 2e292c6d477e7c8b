package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.chat.ChatMessage;
import dev.secateur.serve.generate.CompletionSpec;
import dev.secateur.serve.generate.InvalidRequestException;
import dev.secateur.serve.structured.OutputFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Responses API's request read as a chat: {@code instructions} become the system message, {@code input} (a
 * string, or message items with text parts) the conversation; what needs tools, stored state or other modalities is
 * refused naming the field.
 */
final class ResponseRequests {

    static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");
    /** What a message item may carry: id and status come back when a client replays an earlier output item. */
    static final Set<String> ITEM_FIELDS = Set.of("type", "role", "content", "id", "status");

    private ResponseRequests() {
    }

    static void check(ResponseRequest r) {
        if (r.model() == null || r.model().isBlank()) {
            throw new InvalidRequestException("model is required", "model");
        }
        StrictJson.unsupported(r.previousResponseId(), "previous_response_id", "responses are not stored; send the "
                + "whole conversation as input");
        StrictJson.unsupported(r.conversation(), "conversation", "conversations are not stored");
        StrictJson.unsupported(r.maxToolCalls(), "max_tool_calls", "calls are read from the answer, not counted");
        checkText(r.text());
        JsonNode reasoning = r.reasoning();
        if (reasoning != null && !reasoning.isNull() && !reasoning.path("effort").isMissingNode()
                && !reasoning.path("effort").isNull()) {
            throw new InvalidRequestException("reasoning is not supported by this server: these are not reasoning models",
                    "reasoning");
        }
        JsonNode truncation = r.truncation();
        if (truncation != null && !truncation.isNull() && !"disabled".equals(truncation.asText())) {
            throw new InvalidRequestException("truncation must be disabled: an input longer than the context is refused, "
                    + "not cut", "truncation");
        }
        if (r.include() != null && !r.include().isNull() && !(r.include().isArray() && r.include().isEmpty())) {
            throw new InvalidRequestException("include is not supported by this server", "include");
        }
        StrictJson.unsupported(r.topLogprobs(), "top_logprobs", "use /v1/chat/completions for log-probabilities");
        if (r.background() != null && r.background().asBoolean(false)) {
            throw new InvalidRequestException("background is not supported by this server: responses are not stored",
                    "background");
        }
        StrictJson.unsupported(r.prompt(), "prompt", "no stored prompt templates");
        JsonNode tier = r.serviceTier();
        if (tier != null && !tier.isNull() && !Set.of("auto", "default").contains(tier.asText())) {
            throw new InvalidRequestException("service_tier must be auto or default", "service_tier");
        }
        JsonNode metadata = r.metadata();
        if (metadata != null && !metadata.isNull() && !metadata.isObject()) {
            throw new InvalidRequestException("metadata must be an object of strings", "metadata");
        }
    }

    /** text.format is read with the sampling (see toSpec); text.verbosity: only the default. */
    private static void checkText(JsonNode text) {
        if (text == null || text.isNull()) {
            return;
        }
        JsonNode verbosity = text.path("verbosity");
        if (!verbosity.isMissingNode() && !verbosity.isNull() && !"medium".equals(verbosity.asText())) {
            throw new InvalidRequestException("text.verbosity is not supported by this server", "text.verbosity");
        }
    }

    /** instructions as the system message, then the input: one user message for a string, else its message items. */
    static List<ChatMessage> messages(ResponseRequest r) {
        List<ChatMessage> out = new ArrayList<>();
        if (r.instructions() != null) {
            out.add(new ChatMessage("system", r.instructions(), null));
        }
        JsonNode input = r.input();
        if (input == null || input.isNull()) {
            throw new InvalidRequestException("input is required", "input");
        }
        if (input.isTextual()) {
            out.add(new ChatMessage("user", input.textValue(), null));
            return out;
        }
        if (!input.isArray() || input.isEmpty()) {
            throw new InvalidRequestException("input must be a string or a non-empty array of messages", "input");
        }
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String at = "input[" + i + "]";
            String type = item.path("type").asText("message");
            if ("function_call".equals(type)) {
                addCall(out, item, at);
            } else if ("function_call_output".equals(type)) {
                out.add(new ChatMessage("tool", text(item, "output", at), null, null, text(item, "call_id", at)));
            } else {
                out.add(item(item, at));
            }
        }
        return out;
    }

    /**
     * A replayed function_call item: consecutive ones make one assistant turn with tool_calls, as chat has them, its
     * arguments parsed from their JSON string for the template.
     */
    private static void addCall(List<ChatMessage> out, JsonNode item, String at) {
        Map<String, Object> call = ChatMessages.templateCall(text(item, "call_id", at), text(item, "name", at),
                text(item, "arguments", at), at + ".arguments");
        ChatMessage last = out.isEmpty() ? null : out.get(out.size() - 1);
        if (last != null && "assistant".equals(last.role()) && last.toolCalls() != null) {
            List<Map<String, Object>> calls = new ArrayList<>(last.toolCalls());
            calls.add(call);
            out.set(out.size() - 1, new ChatMessage("assistant", last.content(), null, calls, null));
        } else {
            out.add(new ChatMessage("assistant", "", null, List.of(call), null));
        }
    }

    private static String text(JsonNode item, String field, String at) {
        JsonNode v = item.get(field);
        if (v == null || !v.isTextual()) {
            throw new InvalidRequestException(at + "." + field + " must be a string", at + "." + field);
        }
        return v.textValue();
    }


    private static ChatMessage item(JsonNode m, String at) {
        if (!m.isObject()) {
            throw new InvalidRequestException(at + " must be an object", at);
        }
        String type = m.path("type").asText("message");
        if (!"message".equals(type)) {
            throw new InvalidRequestException(at + ".type '" + type + "' is not supported: input items must be messages, "
                    + "function_call or function_call_output", at + ".type");
        }
        String role = m.path("role").asText("");
        if (!ROLES.contains(role)) {
            throw new InvalidRequestException(at + ".role must be one of system, developer, user, assistant; was '"
                    + role + "'", at + ".role");
        }
        for (Map.Entry<String, JsonNode> f : m.properties()) {
            if (!ITEM_FIELDS.contains(f.getKey()) && !f.getValue().isNull()) {
                throw new InvalidRequestException(at + "." + f.getKey() + " is not supported by this server",
                        at + "." + f.getKey());
            }
        }
        // input_text parts, and output_text as an earlier answer is replayed
        return new ChatMessage("developer".equals(role) ? "system" : role,
                ChatMessages.content(m.get("content"), at, Set.of("input_text", "output_text")), null);
    }

    /**
     * The sampling, without a prompt (the template renders it on the serving version); without max_output_tokens
     * the answer may run to the end of the context (capped), as a chat's does.
     */
    static CompletionSpec toSpec(ResponseRequest r, int maxTokensCap, int maxN) {
        Integer limit = r.maxOutputTokens();
        int maxTokens = limit == null ? maxTokensCap : SamplingChecks.maxTokens(limit, maxTokensCap, "max_output_tokens");
        return new CompletionSpec(List.of(), maxTokens, limit == null, SamplingChecks.temperature(r.temperature()),
                SamplingChecks.topP(r.topP()), SamplingChecks.topK(r.topK()), SamplingChecks.minP(r.minP()), 1,
                List.of(), null, null, false, 0, 0, Set.of(), Map.of(),
                r.text() == null ? null : OutputFormat.parse(r.text().get("format"), "text.format", ""));
    }
}
