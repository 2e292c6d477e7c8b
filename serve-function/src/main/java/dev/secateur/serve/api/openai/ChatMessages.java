package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.chat.ChatMessage;
import dev.secateur.serve.generate.InvalidRequestException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI's messages array → what a chat template renders. Roles system, developer (given to templates as
 * system, which is what it replaces), user and assistant; content a string or text parts, which are joined.
 * Anything that needs tools, images, audio or files is refused naming the exact field.
 */
final class ChatMessages {

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = dev.secateur.json.Json.mapper();

    static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");
    /** refusal is what an assistant message echoed back from a response carries; it is accepted and not rendered. */
    static final Set<String> FIELDS = Set.of("role", "content", "name", "refusal", "tool_calls", "tool_call_id");

    private ChatMessages() {
    }

    static List<ChatMessage> parse(JsonNode messages) {
        if (messages == null || messages.isNull()) {
            throw new InvalidRequestException("messages is required", "messages");
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw new InvalidRequestException("messages must be a non-empty array", "messages");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            out.add(message(messages.get(i), "messages[" + i + "]"));
        }
        return out;
    }

    private static ChatMessage message(JsonNode m, String at) {
        if (!m.isObject()) {
            throw new InvalidRequestException(at + " must be an object", at);
        }
        JsonNode roleNode = m.get("role");
        if (roleNode == null || !roleNode.isTextual()) {
            throw new InvalidRequestException(at + ".role is required", at + ".role");
        }
        String role = roleNode.textValue();
        if ("function".equals(role)) {
            throw new InvalidRequestException(at + ".role 'function' is not supported: use tool messages (tools and "
                    + "tool_calls, not the deprecated functions)", at + ".role");
        }
        if (!ROLES.contains(role)) {
            throw new InvalidRequestException(at + ".role must be one of system, developer, user, assistant, tool; was '"
                    + role + "'", at + ".role");
        }
        var fields = m.fieldNames();
        while (fields.hasNext()) {
            String f = fields.next();
            if (!FIELDS.contains(f) && !m.get(f).isNull()) {
                throw new InvalidRequestException(at + "." + f + " is not supported by this server", at + "." + f);
            }
        }
        JsonNode name = m.get("name");
        List<Map<String, Object>> calls = "assistant".equals(role) ? toolCalls(m.get("tool_calls"), at) : null;
        String toolCallId = null;
        if ("tool".equals(role)) {
            JsonNode id = m.get("tool_call_id");
            if (id == null || !id.isTextual()) {
                throw new InvalidRequestException(at + ".tool_call_id is required for a tool message", at + ".tool_call_id");
            }
            toolCallId = id.textValue();
        } else if (m.hasNonNull("tool_call_id")) {
            throw new InvalidRequestException(at + ".tool_call_id belongs to tool messages only", at + ".tool_call_id");
        }
        // an assistant turn that only calls tools has content null; templates read it as "" (vLLM's choice too)
        JsonNode c = m.get("content");
        String content = calls != null && (c == null || c.isNull()) ? "" : content(c, at);
        return new ChatMessage("developer".equals(role) ? "system" : role, content,
                name != null && name.isTextual() ? name.textValue() : null, calls, toolCallId);
    }

    /**
     * An assistant message's tool_calls as templates read them: {id, type, function: {name, arguments}} with the
     * arguments parsed from OpenAI's JSON string into an object (templates print them with tojson).
     */
    private static List<Map<String, Object>> toolCalls(JsonNode calls, String at) {
        if (calls == null || calls.isNull()) {
            return null;
        }
        if (!calls.isArray()) {
            throw new InvalidRequestException(at + ".tool_calls must be an array", at + ".tool_calls");
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (int j = 0; j < calls.size(); j++) {
            String where = at + ".tool_calls[" + j + "]";
            JsonNode call = calls.get(j);
            JsonNode fn = call.path("function");
            if (!fn.path("name").isTextual()) {
                throw new InvalidRequestException(where + ".function.name must be a string", where + ".function.name");
            }
            out.add(templateCall(call.path("id").asText(""), fn.path("name").textValue(),
                    fn.path("arguments").asText("{}"), where + ".function.arguments"));
        }
        return out;
    }

    /** A tool call as templates read it: {id, type: function, function: {name, arguments as an object}}. */
    static Map<String, Object> templateCall(String id, String name, String argumentsJson, String argumentsParam) {
        Object arguments;
        try {
            JsonNode parsed = JSON.readTree(argumentsJson);
            if (parsed == null || !parsed.isObject()) {
                throw new InvalidRequestException(argumentsParam + " must be a JSON object", argumentsParam);
            }
            arguments = JSON.convertValue(parsed, LinkedHashMap.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidRequestException(argumentsParam + " is not valid JSON: " + e.getOriginalMessage(), argumentsParam);
        }
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", name);
        function.put("arguments", arguments);
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("id", id);
        call.put("type", "function");
        call.put("function", function);
        return call;
    }

    private static String content(JsonNode c, String at) {
        return content(c, at, Set.of("text"));
    }

    /**
     * A message's content: a string, or text parts (of the given types: chat's "text", the Responses API's
     * "input_text" and "output_text") joined; anything else (images, audio, files) is refused naming the part.
     */
    static String content(JsonNode c, String at, Set<String> textParts) {
        if (c == null || c.isNull()) {
            throw new InvalidRequestException(at + ".content is required", at + ".content");
        }
        if (c.isTextual()) {
            return c.textValue();
        }
        if (!c.isArray()) {
            throw new InvalidRequestException(at + ".content must be a string or an array of content parts",
                    at + ".content");
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < c.size(); j++) {
            JsonNode part = c.get(j);
            String type = part.path("type").asText("");
            String where = at + ".content[" + j + "]";
            if (!textParts.contains(type)) {
                throw new InvalidRequestException(where + ".type '" + type + "' is not supported: these models read "
                        + "text only", where + ".type");
            }
            JsonNode t = part.get("text");
            if (t == null || !t.isTextual()) {
                throw new InvalidRequestException(where + ".text must be a string", where + ".text");
            }
            text.append(t.textValue());
        }
        return text.toString();
    }
}
