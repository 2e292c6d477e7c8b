package dev.secateur.serve.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.secateur.serve.generate.InvalidRequestException;
import dev.secateur.serve.structured.OutputFormat;
import org.junit.jupiter.api.Test;

/** tool_choice as chat spells it, read into what the prompt shows and what a forced call may name. */
class ToolRequestTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static ArrayNode tools(int n) {
        ArrayNode tools = JSON.createArrayNode();
        for (int i = 0; i < n; i++) {
            tools.addObject().put("type", "function").putObject("function").put("name", "f" + i)
                    .putObject("parameters").put("type", "object");
        }
        return tools;
    }

    static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void choicesForceOrLeaveTheCall() throws Exception {
        assertNull(ToolRequest.of(tools(2), null, null).forced(), "auto by default");
        assertNull(ToolRequest.of(tools(2), json("\"none\""), null), "none: no tools in the prompt");
        assertNotNull(ToolRequest.of(tools(2), json("\"required\""), null).forced());
        ToolRequest named = ToolRequest.of(tools(2), json("{\"type\":\"function\",\"function\":{\"name\":\"f1\"}}"), null);
        assertEquals(2, named.definitions().size(), "a named function is forced with the others still shown");
        ToolRequest allowed = ToolRequest.of(tools(3), json("{\"type\":\"allowed_tools\",\"allowed_tools\":{\"mode\":\"auto\","
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f2\"}}]}}"), null);
        assertEquals(1, allowed.definitions().size());
        assertNull(allowed.forced(), "allowed_tools in auto mode narrows the tools without forcing a call");
    }

    @Test
    void badChoicesNameTheirField() throws Exception {
        String[][] cases = {
                {"{\"type\":\"function\",\"function\":{\"name\":\"nope\"}}", "tool_choice.function.name"},
                {"{\"type\":\"function\",\"function\":{}}", "tool_choice.function.name"},
                {"{\"type\":\"custom\",\"custom\":{\"name\":\"f0\"}}", "tool_choice.type"},
                {"{\"type\":\"allowed_tools\",\"allowed_tools\":{\"mode\":\"sometimes\",\"tools\":[]}}", "tool_choice.allowed_tools.mode"},
                {"{\"type\":\"allowed_tools\",\"allowed_tools\":{\"mode\":\"required\",\"tools\":[]}}", "tool_choice.allowed_tools.tools"},
                {"\"always\"", "tool_choice"}};
        for (String[] c : cases) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> ToolRequest.of(tools(2), json(c[0]), null), c[0]);
            assertEquals(c[1], e.param(), c[0]);
        }
        assertEquals("tool_choice", assertThrows(InvalidRequestException.class,
                () -> ToolRequest.of(null, json("\"required\""), null)).param(), "tool_choice without tools");
    }

    /** Every callable function is one alternative of the recognizer, which keeps a bounded number of them. */
    @Test
    void requiredOverMoreFunctionsThanTheRecognizerFollowsIsRefused() throws Exception {
        assertNotNull(ToolRequest.of(tools(OutputFormat.MAX_CALLABLE), json("\"required\""), null).forced());
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> ToolRequest.of(tools(OutputFormat.MAX_CALLABLE + 1), json("\"required\""), null));
        assertEquals("tool_choice", e.param());
        assertNull(ToolRequest.of(tools(100), null, null).forced(), "auto takes any number");
    }
}
