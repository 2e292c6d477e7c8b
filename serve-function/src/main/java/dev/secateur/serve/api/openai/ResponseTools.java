package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.json.Json;
import dev.secateur.serve.generate.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/**
 * A Responses request's function tools: as declared (echoed in the response), and in chat's form for the template
 * ({type: function, function: {name, description, parameters}}), which is how templates were written to read them,
 * with what tool_choice makes of them.
 *
 * @param chat   null when there are none or tool_choice is "none"
 * @param choice tool_choice as the response echoes it: the request's own value, "auto" when it gave none
 */
record ResponseTools(List<ResponseObject.Tool> declared, ToolRequest chat, Object choice, boolean parallel) {

    static final ResponseTools NONE = new ResponseTools(List.of(), null, "auto", true);

    static ResponseTools of(ResponseRequest r) {
        JsonNode tools = r.tools();
        boolean given = tools != null && !tools.isNull() && !(tools.isArray() && tools.isEmpty());
        ToolChoice choice = ToolChoice.parse(r.toolChoice(), false);
        Object echo = r.toolChoice() == null || r.toolChoice().isNull() ? "auto" : r.toolChoice();
        boolean many = r.parallelToolCalls() == null || r.parallelToolCalls();
        if (!given) {
            if (choice.mode() == ToolChoice.Mode.REQUIRED) {
                throw new InvalidRequestException("tool_choice requires a call, but no tools are given", "tool_choice");
            }
            return new ResponseTools(List.of(), null, echo, many);
        }
        if (!tools.isArray()) {
            throw new InvalidRequestException("tools must be an array", "tools");
        }
        List<ResponseObject.Tool> declared = new ArrayList<>();
        ArrayNode chat = Json.mapper().createArrayNode();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            String at = "tools[" + i + "]";
            if (!"function".equals(t.path("type").asText())) {
                throw new InvalidRequestException(at + ".type '" + t.path("type").asText() + "' is not supported: only "
                        + "function tools (no hosted tools here)", at + ".type");
            }
            ToolRequest.checkFunction(t, at);
            ObjectNode function = Json.mapper().createObjectNode().put("name", t.path("name").textValue());
            if (t.hasNonNull("description")) {
                function.put("description", t.path("description").asText());
            }
            if (t.hasNonNull("parameters")) {
                function.set("parameters", t.get("parameters"));
            }
            chat.addObject().put("type", "function").set("function", function);
            declared.add(new ResponseObject.Tool("function", t.path("name").textValue(),
                    function.hasNonNull("description") ? function.get("description").textValue() : null,
                    t.hasNonNull("parameters") ? Json.mapper().convertValue(t.get("parameters"), Object.class) : null,
                    t.path("strict").asBoolean(false)));
        }
        return new ResponseTools(declared, ToolRequest.chosen(chat, choice, many, i -> "tools[" + i + "].parameters", false),
                echo, many);
    }

    /** The tools as chat's rendering takes them, or null for none. */
    ToolRequest asChat() {
        return chat;
    }
}
