package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.secateur.json.Json;
import dev.secateur.serve.generate.InvalidRequestException;
import dev.secateur.serve.structured.OutputFormat;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/**
 * A request's tools, checked: the function definitions as the template receives them (key order kept), whether more
 * than one call may come back, and, when tool_choice is "required" or names functions, the format a forced call is
 * constrained to (one {"name", "arguments"} object for one of the allowed functions, its arguments following that
 * function's parameters schema).
 *
 * @param forced null when the model may answer in text (tool_choice auto)
 */
record ToolRequest(List<Map<String, Object>> definitions, boolean parallel, OutputFormat forced) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** null when the request has no tools, or tool_choice "none" leaves them out of the prompt. */
    static ToolRequest of(JsonNode tools, JsonNode toolChoice, JsonNode parallelToolCalls) {
        boolean given = tools != null && !tools.isNull();
        if (toolChoice != null && !toolChoice.isNull() && !given) {
            throw new InvalidRequestException("tool_choice is only allowed when tools are given", "tool_choice");
        }
        ToolChoice choice = ToolChoice.parse(toolChoice, true);
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
        return chosen(tools, choice, parallelToolCalls == null || parallelToolCalls.isNull()
                || parallelToolCalls.booleanValue(), i -> "tools[" + i + "].function.parameters", true);
    }

    /**
     * The checked tools (chat's form: {type: function, function: {name, description, parameters}}) as the choice
     * leaves them: null for none; only the allowed ones for allowed_tools; with the forced call's format when a call
     * is required.
     *
     * @param parametersField where function i's parameters sit in the request, named in schema errors
     * @param nested          chat's spelling of tool_choice (for the field an unknown name is reported at)
     */
    static ToolRequest chosen(JsonNode tools, ToolChoice choice, boolean parallel, IntFunction<String> parametersField,
                              boolean nested) {
        Set<String> declared = new HashSet<>();
        tools.forEach(t -> declared.add(t.path("function").path("name").textValue()));
        if (choice.names() != null) {
            for (String n : choice.names()) {
                if (!declared.contains(n)) {
                    throw new InvalidRequestException("tool_choice names function '" + n + "', which is not among tools",
                            choice.namesField(nested));
                }
            }
        }
        if (choice.mode() == ToolChoice.Mode.NONE) {
            return null;
        }
        ArrayNode shown = Json.mapper().createArrayNode();
        List<OutputFormat.CallableFunction> callable = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode fn = tools.get(i).path("function");
            boolean allowed = choice.allows(fn.path("name").textValue());
            if (allowed || !choice.offered()) {
                shown.add(tools.get(i));
            }
            if (allowed) {
                callable.add(new OutputFormat.CallableFunction(fn.path("name").textValue(), fn.get("parameters"),
                        parametersField.apply(i)));
            }
        }
        if (choice.mode() == ToolChoice.Mode.REQUIRED && callable.size() > OutputFormat.MAX_CALLABLE) {
            throw new InvalidRequestException("a forced call can choose among at most " + OutputFormat.MAX_CALLABLE
                    + " functions, " + callable.size() + " are allowed here; name one, or narrow them with allowed_tools",
                    "tool_choice");
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> definitions = Json.mapper().convertValue(shown,
                Json.mapper().getTypeFactory().constructCollectionType(List.class, LinkedHashMap.class));
        return new ToolRequest(definitions, parallel,
                choice.mode() == ToolChoice.Mode.REQUIRED ? OutputFormat.functionCall(callable) : null);
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
