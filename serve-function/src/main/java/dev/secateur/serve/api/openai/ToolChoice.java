package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.generate.InvalidRequestException;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A request's tool_choice, read: whether the answer may, must or must not be a call, and which functions are on offer.
 * Chat and Responses spell the same choices differently: a named function is {type: function, function: {name}} in
 * chat and {type: function, name} in Responses; allowed_tools nests its mode and tools in chat and not in Responses.
 *
 * @param names   the functions a call may name; null for every function in tools
 * @param offered true when only {@code names} are shown to the model (allowed_tools); a named function is forced
 *                with the others still in the prompt, as OpenAI does
 */
record ToolChoice(Mode mode, Set<String> names, boolean offered) {

    enum Mode { NONE, AUTO, REQUIRED }

    static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null, false);

    /** @param nested true for chat's spelling, false for Responses' */
    static ToolChoice parse(JsonNode choice, boolean nested) {
        if (choice == null || choice.isNull() || choice.isMissingNode()) {
            return AUTO;
        }
        if (choice.isTextual()) {
            return switch (choice.textValue()) {
                case "none" -> new ToolChoice(Mode.NONE, null, false);
                case "auto" -> AUTO;
                case "required" -> new ToolChoice(Mode.REQUIRED, null, false);
                default -> throw new InvalidRequestException("tool_choice must be none, auto, required or an object naming "
                        + "a function, got '" + choice.textValue() + "'", "tool_choice");
            };
        }
        if (!choice.isObject()) {
            throw new InvalidRequestException("tool_choice must be a string or an object", "tool_choice");
        }
        String type = choice.path("type").asText("");
        switch (type) {
            case "function": {
                String at = nested ? "tool_choice.function.name" : "tool_choice.name";
                return new ToolChoice(Mode.REQUIRED, Set.of(name(nested ? choice.path("function") : choice, at)), false);
            }
            case "allowed_tools": {
                JsonNode holder = nested ? choice.path("allowed_tools") : choice;
                String at = nested ? "tool_choice.allowed_tools" : "tool_choice";
                String mode = holder.path("mode").asText("");
                if (!mode.equals("auto") && !mode.equals("required")) {
                    throw new InvalidRequestException(at + ".mode must be auto or required", at + ".mode");
                }
                JsonNode tools = holder.path("tools");
                if (!tools.isArray() || tools.isEmpty()) {
                    throw new InvalidRequestException(at + ".tools must be a non-empty array of functions", at + ".tools");
                }
                Set<String> names = new LinkedHashSet<>();
                for (int i = 0; i < tools.size(); i++) {
                    JsonNode t = tools.get(i);
                    String tat = at + ".tools[" + i + "]";
                    if (!"function".equals(t.path("type").asText())) {
                        throw new InvalidRequestException(tat + ".type must be function", tat + ".type");
                    }
                    names.add(name(nested ? t.path("function") : t, tat + (nested ? ".function.name" : ".name")));
                }
                return new ToolChoice(mode.equals("required") ? Mode.REQUIRED : Mode.AUTO, Set.copyOf(names), true);
            }
            default:
                throw new InvalidRequestException("tool_choice.type '" + type + "' is not supported: only function and "
                        + "allowed_tools (function tools only here)", "tool_choice.type");
        }
    }

    private static String name(JsonNode holder, String at) {
        if (!holder.path("name").isTextual() || holder.path("name").textValue().isEmpty()) {
            throw new InvalidRequestException(at + " is required: the function to call", at);
        }
        return holder.path("name").textValue();
    }

    /** Whether a function with this name may be called (and, with allowed_tools, shown). */
    boolean allows(String name) {
        return names == null || names.contains(name);
    }

    /** The field where a choice names a function that tools do not hold. */
    String namesField(boolean nested) {
        if (offered) {
            return nested ? "tool_choice.allowed_tools.tools" : "tool_choice.tools";
        }
        return nested ? "tool_choice.function.name" : "tool_choice.name";
    }
}
