package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.chat.ChatMessage;
import dev.secateur.serve.generate.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * OpenAI's messages array → what a chat template renders. Roles system, developer (given to templates as
 * system, which is what it replaces), user and assistant; content a string or text parts, which are joined.
 * Anything that needs tools, images, audio or files is refused naming the exact field.
 */
final class ChatMessages {

    static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");
    /** refusal is what an assistant message echoed back from a response carries; it is accepted and not rendered. */
    static final Set<String> FIELDS = Set.of("role", "content", "name", "refusal");

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
        if ("tool".equals(role) || "function".equals(role)) {
            throw new InvalidRequestException(at + ".role '" + role + "' is not supported: this server has no tool "
                    + "calling", at + ".role");
        }
        if (!ROLES.contains(role)) {
            throw new InvalidRequestException(at + ".role must be one of system, developer, user, assistant; was '"
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
        return new ChatMessage("developer".equals(role) ? "system" : role, content(m.get("content"), at),
                name != null && name.isTextual() ? name.textValue() : null);
    }

    private static String content(JsonNode c, String at) {
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
            if (!"text".equals(type)) {
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
