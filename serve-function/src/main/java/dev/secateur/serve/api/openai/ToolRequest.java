package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.json.Json;
import dev.secateur.serve.generate.InvalidRequestException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A chat request's tools, checked: the function definitions as the template receives them (key order kept) and
 * whether more than one call may come back. Only tool_choice "auto" (the default with tools) is honoured: "required"
 * or a named function would need the output constrained, which this server does not do.
 */
record ToolRequest(List<Map<String, Object>> definitions, boolean parallel) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** null when the request has no tools, or tool_choice "none" leaves them out of the prompt. */
    static ToolRequest of(JsonNode tools, JsonNode toolChoice, JsonNode parallelToolCalls) {
        boolean none = toolChoice != null && toolChoice.isTextual() && "none".equals(toolChoice.textValue());
        boolean given = tools != null && !tools.isNull();
        if (toolChoice != null && !toolChoice.isNull()) {
            if (!given) {
                throw new InvalidRequestException("tool_choice is only allowed when tools are given", "tool_choice");
            }
            if (!(toolChoice.isTextual() && ("auto".equals(toolChoice.textValue()) || none))) {
                throw new InvalidRequestException("tool_choice " + toolChoice + " is not supported by this server: only "
                        + "auto and none (the output is not constrained to a call)", "tool_choice");
            }
        }
        if (parallelToolCalls != null && !parallelToolCalls.isNull() && !parallelToolCalls.isBoolean()) {
            throw new InvalidRequestException("parallel_tool_calls must be a boolean", "parallel_tool_calls");
        }
        if (!given) {
            if (parallelToolCalls != null && !parallelToolCalls.isNull()) {
                throw new InvalidRequestException("parallel_tool_calls is only allowed when tools are given",
                        "parallel_tool_calls");
            }
            return null;
        }
        if (!tools.isArray() || tools.isEmpty()) {
            throw new InvalidRequestException("tools must be a non-empty array of functions", "tools");
        }
        for (int i = 0; i < tools.size(); i++) {
            check(tools.get(i), "tools[" + i + "]");
        }
        if (none) {
            return null;
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> definitions = Json.mapper().convertValue(tools,
                Json.mapper().getTypeFactory().constructCollectionType(List.class, LinkedHashMap.class));
        return new ToolRequest(definitions, parallelToolCalls == null || parallelToolCalls.isNull()
                || parallelToolCalls.booleanValue());
    }

    private static void check(JsonNode tool, String at) {
        if (!"function".equals(tool.path("type").asText())) {
            throw new InvalidRequestException(at + ".type must be function (no other tool kinds here)", at + ".type");
        }
        checkFunction(tool.path("function"), at + ".function");
    }

    /** A function's name and parameters, where {@code at} names the object that holds them (chat nests it, Responses not). */
    static void checkFunction(JsonNode fn, String at) {
        if (!fn.path("name").isTextual() || !NAME.matcher(fn.path("name").textValue()).matches()) {
            throw new InvalidRequestException(at + ".name must be 1 to 64 letters, digits, _ or -", at + ".name");
        }
        JsonNode parameters = fn.path("parameters");
        if (!parameters.isMissingNode() && !parameters.isNull() && !parameters.isObject()) {
            throw new InvalidRequestException(at + ".parameters must be a JSON Schema object", at + ".parameters");
        }
    }
}
