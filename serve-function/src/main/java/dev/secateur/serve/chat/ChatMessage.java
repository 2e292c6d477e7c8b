package dev.secateur.serve.chat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One message as a chat template sees it: a role and plain-text content (content parts already joined).
 *
 * @param content    null for an assistant message that only calls tools
 * @param name       optional participant name; null when absent
 * @param toolCalls  an assistant message's tool calls as templates read them ({id, type, function: {name,
 *                   arguments}} with the arguments as an object, not OpenAI's JSON string); null when none
 * @param toolCallId a tool message's answer to that call; null otherwise
 */
public record ChatMessage(String role, String content, String name, List<Map<String, Object>> toolCalls,
                          String toolCallId) {

    public ChatMessage(String role, String content, String name) {
        this(role, content, name, null, null);
    }

    /** The dict a Hugging Face template indexes (message['role'], message.content, ...). */
    public Map<String, Object> asTemplateValue() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        if (name != null) {
            m.put("name", name);
        }
        if (toolCalls != null) {
            m.put("tool_calls", toolCalls);
        }
        if (toolCallId != null) {
            m.put("tool_call_id", toolCallId);
        }
        return m;
    }
}
