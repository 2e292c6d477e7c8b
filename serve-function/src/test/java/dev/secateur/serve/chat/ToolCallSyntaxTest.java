package dev.secateur.serve.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.serve.chat.ToolCallSyntax.Call;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Tool calls as each family writes them, read back into OpenAI's {name, arguments-as-JSON-string}. */
class ToolCallSyntaxTest {

    static final Path TEMPLATES = Path.of("src/test/resources/chat-templates");

    @Test
    void theSyntaxIsRecognisedFromTheTemplate() throws Exception {
        assertEquals(Optional.of(ToolCallSyntax.TAGGED), ToolCallSyntax.of(Files.readString(TEMPLATES.resolve("hermes-style-tools.jinja"))));
        assertEquals(Optional.of(ToolCallSyntax.BARE_JSON), ToolCallSyntax.of(Files.readString(TEMPLATES.resolve("llama31-style-tools.jinja"))));
        assertEquals(Optional.of(ToolCallSyntax.MARKED_LIST), ToolCallSyntax.of("{{ '[TOOL_CALLS] ' + calls|tojson }}"));
        assertEquals(Optional.empty(), ToolCallSyntax.of(Files.readString(TEMPLATES.resolve("tiny-mistral.jinja"))));
    }

    @Test
    void taggedCallsOneOrMoreWithTheTextBefore() {
        var p = ToolCallSyntax.TAGGED.parse("Let me look.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n"
                + "</tool_call>\n<tool_call>{\"name\": \"now\", \"arguments\": {}}</tool_call>").orElseThrow();
        assertEquals("Let me look.", p.content());
        assertEquals(List.of(new Call("get_weather", "{\"city\":\"Paris\"}"), new Call("now", "{}")), p.calls());
        // the stop token can end an answer before the closing tag
        assertEquals(List.of(new Call("f", "{\"x\":1}")),
                ToolCallSyntax.TAGGED.parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": 1}}").orElseThrow().calls());
    }

    @Test
    void markedListsAndBareJson() {
        var mistral = ToolCallSyntax.MARKED_LIST.parse("[TOOL_CALLS] [{\"name\": \"f\", \"arguments\": {\"a\": [1, 2]}}, "
                + "{\"name\": \"g\", \"arguments\": \"{\\\"b\\\": true}\"}]").orElseThrow();
        assertNull(mistral.content());
        assertEquals(List.of(new Call("f", "{\"a\":[1,2]}"), new Call("g", "{\"b\": true}")), mistral.calls());
        assertEquals(List.of(new Call("f", "{}")),
                ToolCallSyntax.MARKED_LIST.parse("<|tool_call|>[{\"name\": \"f\", \"arguments\": {}}]<|/tool_call|>").orElseThrow().calls());
        var llama = ToolCallSyntax.BARE_JSON.parse(" <|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}")
                .orElseThrow();
        assertEquals(List.of(new Call("get_weather", "{\"city\":\"Paris\"}")), llama.calls());
    }

    /** Nothing generated is lost: what does not parse as calls stays the content. */
    @Test
    void textThatIsNotACleanCallIsNotOne() {
        assertEquals(Optional.empty(), ToolCallSyntax.TAGGED.parse("It is sunny in Paris."));
        assertEquals(Optional.empty(), ToolCallSyntax.TAGGED.parse("<tool_call>{\"name\": \"f\", \"arguments\": {\"x\": </tool_call>"));
        assertEquals(Optional.empty(), ToolCallSyntax.TAGGED.parse("<tool_call>{\"arguments\": {}}</tool_call>"));
        assertEquals(Optional.empty(), ToolCallSyntax.TAGGED.parse("<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call> and then prose"));
        assertEquals(Optional.empty(), ToolCallSyntax.BARE_JSON.parse("{\"name\": \"f\", \"parameters\": {}} and more"));
        assertEquals(Optional.empty(), ToolCallSyntax.BARE_JSON.parse("The answer is {\"name\": \"f\"}"));
        assertEquals(Optional.empty(), ToolCallSyntax.MARKED_LIST.parse("[TOOL_CALLS] [{\"name\": \"f\", \"arguments\": 3}]"));
    }

    @Test
    void aStreamHoldsWhatCouldStillBecomeACall() {
        assertEquals(5, ToolCallSyntax.TAGGED.pendingStart("Sure <tool"));
        assertEquals(0, ToolCallSyntax.TAGGED.pendingStart("Sure, the weather"));
        assertEquals(1, ToolCallSyntax.TAGGED.pendingStart("a <"));
        assertEquals(3, ToolCallSyntax.MARKED_LIST.pendingStart("ok [TO"));
        assertEquals(2, ToolCallSyntax.BARE_JSON.pendingStart("  "));
        assertEquals(0, ToolCallSyntax.BARE_JSON.pendingStart("It is"));
        assertEquals(6, ToolCallSyntax.TAGGED.start("Sure. <tool_call>{"));
        assertEquals(2, ToolCallSyntax.BARE_JSON.start("  {\"name\""));
        assertTrue(ToolCallSyntax.BARE_JSON.start("The {") < 0);
    }
}
