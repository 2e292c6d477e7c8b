package dev.secateur.serve.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a model family writes a tool call in its answer, recognised from its chat template (which shows the model the
 * same form for earlier calls), and read back out of generated text:
 * <ul>
 * <li>{@link #TAGGED}: {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>}, one or more (Qwen2.5,
 * Qwen3, Hermes, SmolLM3);</li>
 * <li>{@link #MARKED_LIST}: a marker, then a JSON list of {@code {"name", "arguments"}} ({@code [TOOL_CALLS]} for
 * Mistral, {@code <|tool_call|>} for Granite 3 and Phi-4-mini);</li>
 * <li>{@link #BARE_JSON}: the whole answer one {@code {"name": ..., "parameters": {...}}} object, perhaps after
 * {@code <|python_tag|>} (Llama 3.1-3.3);</li>
 * <li>{@link #FORCED}: the whole answer one {@code {"name": ..., "arguments": {...}}} object, the form this server
 * constrains the output to when tool_choice is "required" or names a function (whatever the template shows).</li>
 * </ul>
 * Text that does not parse as calls stays the answer's content: nothing generated is dropped.
 */
public enum ToolCallSyntax {
    TAGGED, MARKED_LIST, BARE_JSON, FORCED;

    /** One call as OpenAI returns it: the function's name and its arguments as a JSON string. */
    public record Call(String name, String arguments) {
    }

    /** @param content the text before the calls, null when there is none */
    public record Parsed(String content, List<Call> calls) {
    }

    private static final ObjectMapper JSON = Json.mapper();
    /** One JSON value and nothing after it: a call followed by more prose is not a clean call. */
    private static final com.fasterxml.jackson.databind.ObjectReader ONE_VALUE = JSON.reader()
            .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final String TAG_OPEN = "<tool_call>";
    private static final String TAG_CLOSE = "</tool_call>";
    private static final List<String> LIST_MARKERS = List.of("[TOOL_CALLS]", "<|tool_call|>");
    private static final String LIST_CLOSE = "<|/tool_call|>";
    private static final String PYTHON_TAG = "<|python_tag|>";
    private static final Pattern TAGGED_CALL = Pattern.compile(Pattern.quote(TAG_OPEN) + "(.*?)(?:" + Pattern.quote(TAG_CLOSE)
            + "|$)", Pattern.DOTALL);

    /** The syntax a template's text shows, if it shows one this server reads. */
    public static Optional<ToolCallSyntax> of(String template) {
        if (template.contains(TAG_OPEN)) {
            return Optional.of(TAGGED);
        }
        if (LIST_MARKERS.stream().anyMatch(template::contains)) {
            return Optional.of(MARKED_LIST);
        }
        if (template.contains(PYTHON_TAG) || (template.contains("ipython") && template.contains("\"parameters\""))) {
            return Optional.of(BARE_JSON);
        }
        return Optional.empty();
    }

    /** Where calls begin in generated text, or -1: from there a stream holds the text back until it is parsed. */
    public int start(String text) {
        return switch (this) {
            case TAGGED -> text.indexOf(TAG_OPEN);
            case MARKED_LIST -> LIST_MARKERS.stream().mapToInt(text::indexOf).filter(i -> i >= 0).min().orElse(-1);
            case BARE_JSON -> {
                String t = text.stripLeading();
                yield t.startsWith("{") || t.startsWith(PYTHON_TAG) ? text.length() - t.length() : -1;
            }
            case FORCED -> {
                String t = text.stripLeading();
                yield t.startsWith("{") ? text.length() - t.length() : -1;
            }
        };
    }

    /** How many characters at the end of text could be the beginning of a call's opening, to hold back from a stream. */
    public int pendingStart(String text) {
        return switch (this) {
            case TAGGED -> prefixAtEnd(text, List.of(TAG_OPEN));
            case MARKED_LIST -> prefixAtEnd(text, LIST_MARKERS);
            // an answer that is a call starts with it: only leading blanks (or a partial python tag) can still become one
            case BARE_JSON -> text.isBlank() || PYTHON_TAG.startsWith(text.stripLeading()) ? text.length() : 0;
            case FORCED -> text.isBlank() ? text.length() : 0;
        };
    }

    private static int prefixAtEnd(String text, List<String> markers) {
        int best = 0;
        for (String m : markers) {
            for (int n = Math.min(m.length() - 1, text.length()); n > best; n--) {
                if (text.endsWith(m.substring(0, n))) {
                    best = n;
                    break;
                }
            }
        }
        return best;
    }

    /** The calls in a whole answer, or empty when it holds none this syntax reads (the text is then plain content). */
    public Optional<Parsed> parse(String text) {
        int at = start(text);
        if (at < 0) {
            return Optional.empty();
        }
        String content = text.substring(0, at).strip();
        List<Call> calls = new ArrayList<>();
        try {
            switch (this) {
                case TAGGED -> {
                    Matcher m = TAGGED_CALL.matcher(text);
                    int end = at;
                    while (m.find(end)) {
                        if (!text.substring(end, m.start()).isBlank()) {
                            return Optional.empty();
                        }
                        calls.add(call(ONE_VALUE.readTree(m.group(1).strip()), "arguments"));
                        end = m.end();
                    }
                    if (!text.substring(end).isBlank()) {
                        return Optional.empty();
                    }
                }
                case MARKED_LIST -> {
                    String rest = text.substring(at);
                    String marker = LIST_MARKERS.stream().filter(rest::startsWith).findFirst().orElseThrow();
                    rest = rest.substring(marker.length()).strip();
                    if (rest.endsWith(LIST_CLOSE)) {
                        rest = rest.substring(0, rest.length() - LIST_CLOSE.length()).strip();
                    }
                    JsonNode list = ONE_VALUE.readTree(rest);
                    for (JsonNode c : list.isArray() ? list : List.of(list)) {
                        calls.add(call(c, "arguments"));
                    }
                }
                case BARE_JSON -> {
                    String rest = text.substring(at);
                    rest = rest.startsWith(PYTHON_TAG) ? rest.substring(PYTHON_TAG.length()) : rest;
                    for (String one : rest.split(";")) {
                        if (!one.isBlank()) {
                            calls.add(call(ONE_VALUE.readTree(one.strip()), "parameters"));
                        }
                    }
                }
                case FORCED -> calls.add(call(ONE_VALUE.readTree(text.substring(at)), "arguments"));
            }
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return Optional.empty();
        }
        return calls.isEmpty() ? Optional.empty() : Optional.of(new Parsed(content.isEmpty() ? null : content, calls));
    }

    /** {"name": ..., "arguments" (or Llama's "parameters"): {...}}; the arguments become OpenAI's JSON string. */
    private static Call call(JsonNode c, String argumentsKey) throws JsonProcessingException {
        JsonNode name = c.get("name");
        JsonNode args = c.has(argumentsKey) ? c.get(argumentsKey) : c.has("arguments") ? c.get("arguments") : c.get("parameters");
        if (name == null || !name.isTextual() || name.textValue().isBlank()) {
            throw new IllegalArgumentException("a call without a name");
        }
        if (args == null || args.isNull()) {
            return new Call(name.textValue(), "{}");
        }
        if (args.isTextual()) {
            ONE_VALUE.readTree(args.textValue()); // already a JSON string: it must hold JSON
            return new Call(name.textValue(), args.textValue());
        }
        if (!args.isObject()) {
            throw new IllegalArgumentException("arguments that are not an object");
        }
        return new Call(name.textValue(), JSON.writeValueAsString(args));
    }
}
