package dev.secateur.serve.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.serve.generate.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shape a forced tool call is held to: {"name", "arguments"} for one of the functions, written on one line. */
class FunctionCallFormatTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static JsonShape shape(List<OutputFormat.CallableFunction> functions) {
        return OutputFormat.functionCall(functions).root();
    }

    static boolean whole(JsonShape shape, String text) {
        JsonRecognizer r = JsonRecognizer.start(shape, true).steps(text.getBytes(StandardCharsets.UTF_8), 0);
        return r != null && r.canEnd();
    }

    static OutputFormat.CallableFunction fn(String name, String parameters) throws Exception {
        return new OutputFormat.CallableFunction(name, parameters == null ? null : JSON.readTree(parameters),
                "tools[0].function.parameters");
    }

    @Test
    void eachNameTakesOnlyItsOwnArguments() throws Exception {
        JsonShape s = shape(List.of(
                fn("weather", "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"],"
                        + "\"additionalProperties\":false}"),
                fn("add", "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"integer\"}},"
                        + "\"required\":[\"a\",\"b\"]}"),
                fn("now", null)));
        assertTrue(whole(s, "{\"name\": \"weather\", \"arguments\": {\"city\": \"Paris\"}}"));
        assertTrue(whole(s, "{\"arguments\":{\"a\":1,\"b\":-2},\"name\":\"add\"}"), "either order");
        assertTrue(whole(s, "{\"name\": \"now\", \"arguments\": {}}"), "no parameters: empty arguments");
        assertFalse(whole(s, "{\"name\": \"weather\", \"arguments\": {\"a\": 1, \"b\": 2}}"), "another function's arguments");
        assertFalse(whole(s, "{\"name\": \"add\", \"arguments\": {\"a\": 1}}"), "a required argument missing");
        assertFalse(whole(s, "{\"name\": \"now\", \"arguments\": {\"x\": 1}}"));
        assertFalse(whole(s, "{\"name\": \"other\", \"arguments\": {}}"), "a name not offered");
        assertFalse(whole(s, "{\"name\": \"now\"}"), "arguments are required");
        assertFalse(whole(s, "{\"name\": \"now\", \"arguments\": {}, \"extra\": 1}"));
    }

    @Test
    void aCallIsWrittenOnOneLineWithSingleSpaces() throws Exception {
        JsonShape s = shape(List.of(fn("now", null)));
        assertFalse(whole(s, "{\n\"name\": \"now\", \"arguments\": {}}"), "no line break");
        assertFalse(whole(s, "{\"name\":  \"now\", \"arguments\": {}}"), "no run of spaces");
        assertTrue(whole(s, "{ \"name\" : \"now\" , \"arguments\" : { } }"));
        // the indented layout of response_format still takes a line break and an indentation
        JsonRecognizer indented = JsonRecognizer.start(s).steps("{\n    \"name\": \"now\", \"arguments\": {}}"
                .getBytes(StandardCharsets.UTF_8), 0);
        assertTrue(indented != null && indented.canEnd());
    }

    @Test
    void aParametersSchemaThatCannotBeKeptIsRefusedAtItsOwnField() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> OutputFormat.functionCall(List.of(
                fn("f", "{\"type\":\"object\",\"properties\":{\"a\":{\"not\":{}}}}"))));
        assertEquals("tools[0].function.parameters.properties.a.not", e.param());
    }
}
