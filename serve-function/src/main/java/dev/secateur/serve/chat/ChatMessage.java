package dev.secateur.serve.chat;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One message as a chat template sees it: a role and plain-text content (content parts already joined).
 *
 * @param name optional participant name; null when absent
 */
public record ChatMessage(String role, String content, String name) {

    /** The dict a Hugging Face template indexes (message['role'], message.content, ...). */
    Map<String, Object> asTemplateValue() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        if (name != null) {
            m.put("name", name);
        }
        return m;
    }
}
