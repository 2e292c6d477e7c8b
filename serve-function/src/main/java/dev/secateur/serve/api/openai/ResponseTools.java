package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.json.Json;
import dev.secateur.serve.generate.InvalidRequestException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Responses request's function tools: as declared (echoed in the response), and in chat's form for the template
 * ({type: function, function: {name, description, parameters}}), which is how templates were written to read them.
 *
 * @param forTemplate null when there are none or tool_choice is "none"
 */
record ResponseTools(List<ResponseObject.Tool> declared, List<Map<String, Object>> forTemplate, String choice,
                     boolean parallel) {

    static final ResponseTools NONE = new ResponseTools(List.of(), null, "auto", true);

    static ResponseTools of(ResponseRequest r) {
        JsonNode tools = r.tools();
        JsonNode choice = r.toolChoice();
        boolean given = tools != null && !tools.isNull() && !(tools.isArray() && tools.isEmpty());
        String choiceText = choice == null || choice.isNull() ? "auto" : choice.isTextual() ? choice.textValue() : null;
        if (choiceText == null || !(choiceText.equals("auto") || choiceText.equals("none"))) {
            throw new InvalidRequestException("tool_choice " + choice + " is not supported by this server: only auto and "
                    + "none (the output is not constrained to a call)", "tool_choice");
        }
        boolean many = r.parallelToolCalls() == null || r.parallelToolCalls();
        if (!given) {
            return new ResponseTools(List.of(), null, choiceText, many);
        }
        if (!tools.isArray()) {
            throw new InvalidRequestException("tools must be an array", "tools");
        }
        List<ResponseObject.Tool> declared = new ArrayList<>();
        List<Map<String, Object>> chat = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            String at = "tools[" + i + "]";
            if (!"function".equals(t.path("type").asText())) {
                throw new InvalidRequestException(at + ".type '" + t.path("type").asText() + "' is not supported: only "
                        + "function tools (no hosted tools here)", at + ".type");
            }
            ToolRequest.checkFunction(t, at);
            Map<String, Object> function = new LinkedHashMap<>();
            function.put("name", t.path("name").textValue());
            if (t.hasNonNull("description")) {
                function.put("description", t.path("description").asText());
            }
            if (t.hasNonNull("parameters")) {
                function.put("parameters", Json.mapper().convertValue(t.get("parameters"), Object.class));
            }
            Map<String, Object> asChat = new LinkedHashMap<>();
            asChat.put("type", "function");
            asChat.put("function", function);
            chat.add(asChat);
            declared.add(new ResponseObject.Tool("function", (String) function.get("name"),
                    (String) function.get("description"), function.get("parameters"), t.path("strict").asBoolean(false)));
        }
        return new ResponseTools(declared, "none".equals(choiceText) ? null : chat, choiceText, many);
    }

    /** The tools as chat's rendering takes them, or null for none. */
    ToolRequest asChat() {
        return forTemplate == null ? null : new ToolRequest(forTemplate, parallel);
    }
}
