package dev.secateur.serve.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Tool calling through the official Java SDK on a served model whose answer is a Hermes-style call
 * ({@link ToolCallingModel}): the call comes back as OpenAI's tool_calls, whole and streamed, and a conversation that
 * carries the call and its result renders for the next turn.
 */
@QuarkusTest
@WithTestResource(value = ServeTestResource.class, initArgs = {@ResourceArg(name = "model", value = "toolsy"),
        @ResourceArg(name = "kind", value = "tools")})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiSdkToolsTest {

    OpenAIClient client;

    @BeforeAll
    void setUp() {
        client = OpenAiClients.client();
        // the server loads its version in the background after start: wait for it rather than race it
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                JsonValue.from(true).equals(client.models().retrieve("toolsy")._additionalProperties().get("ready")));
    }

    @AfterAll
    void tearDown() {
        client.close();
    }

    static FunctionDefinition weather() {
        return FunctionDefinition.builder().name("get_weather").parameters(FunctionParameters.builder()
                .putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                .putAdditionalProperty("required", JsonValue.from(List.of("city"))).build()).build();
    }

    ChatCompletionCreateParams.Builder ask() {
        return ChatCompletionCreateParams.builder().model("toolsy").temperature(0.0)
                .maxCompletionTokens(ToolCallingModel.CALL_TOKENS).addUserMessage(ToolCallingModel.QUESTION)
                .addFunctionTool(weather());
    }

    @Test
    void theAnswerIsAToolCallAsOpenAiReturnsOne() {
        ChatCompletion c = client.chat().completions().create(ask().build());
        ChatCompletion.Choice choice = c.choices().get(0);
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        assertTrue(choice.message().content().isEmpty(), "no text besides the call: " + choice.message().content());
        List<ChatCompletionMessageToolCall> calls = choice.message().toolCalls().orElseThrow();
        assertEquals(1, calls.size());
        ChatCompletionMessageFunctionToolCall call = calls.get(0).asFunction();
        assertEquals("get_weather", call.function().name());
        assertEquals("{\"city\":\"Paris\"}", call.function().arguments());
        assertTrue(call.id().matches("[A-Za-z0-9]{9}"), call.id());
    }

    @Test
    void aStreamedCallComesWholeInOneDeltaThenFinishes() {
        StringBuilder content = new StringBuilder();
        List<ChatCompletionChunk.Choice.Delta.ToolCall> calls = new ArrayList<>();
        List<String> finishes = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(ask().build())) {
            s.stream().forEach(chunk -> chunk.choices().forEach(ch -> {
                ch.delta().content().ifPresent(content::append);
                ch.delta().toolCalls().ifPresent(calls::addAll);
                ch.finishReason().ifPresent(f -> finishes.add(f.toString()));
            }));
        }
        assertEquals("", content.toString(), "the call's text is not streamed as content");
        assertEquals(1, calls.size());
        assertEquals(0, calls.get(0).index());
        assertEquals("get_weather", calls.get(0).function().orElseThrow().name().orElseThrow());
        assertEquals("{\"city\":\"Paris\"}", calls.get(0).function().orElseThrow().arguments().orElseThrow());
        assertEquals(List.of("tool_calls"), finishes);
    }

    /** The next turn: the call and its result go back to the template, which renders them before the new answer. */
    @Test
    void theCallAndItsResultRenderForTheNextTurn() {
        ChatCompletion first = client.chat().completions().create(ask().build());
        ChatCompletionMessageToolCall call = first.choices().get(0).message().toolCalls().orElseThrow().get(0);
        ChatCompletion next = client.chat().completions().create(ask().maxCompletionTokens(2)
                .addMessage(ChatCompletionAssistantMessageParam.builder().toolCalls(List.of(call)).build())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.asFunction().id())
                        .content("{\"temp\": 21}").build()).build());
        assertTrue(next.usage().orElseThrow().promptTokens() > first.usage().orElseThrow().promptTokens(),
                "the call and the tool's answer are in the prompt");
    }

    @Test
    void toolChoiceNoneLeavesTheToolsOut() {
        ChatCompletion c = client.chat().completions().create(ask().toolChoice(ChatCompletionToolChoiceOption.ofAuto(
                ChatCompletionToolChoiceOption.Auto.NONE)).build());
        ChatCompletion withTools = client.chat().completions().create(ask().build());
        assertNotEquals(withTools.usage().orElseThrow().promptTokens(), c.usage().orElseThrow().promptTokens());
        assertFalse(c.choices().get(0).message().toolCalls().isPresent(), "no tools offered, no call read");
    }

    com.openai.models.responses.ResponseCreateParams.Builder respond() {
        return com.openai.models.responses.ResponseCreateParams.builder().model("toolsy").temperature(0.0)
                .maxOutputTokens(ToolCallingModel.CALL_TOKENS).input(ToolCallingModel.QUESTION)
                .addTool(com.openai.models.responses.FunctionTool.builder().name("get_weather").strict(false)
                        .parameters(com.openai.models.responses.FunctionTool.Parameters.builder()
                                .putAdditionalProperty("type", JsonValue.from("object"))
                                .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                                .putAdditionalProperty("required", JsonValue.from(List.of("city"))).build()).build());
    }

    /** The Responses API: the call is a function_call output item (no message, since the answer has no text). */
    @Test
    void aResponseCallIsAFunctionCallItem() {
        var r = client.responses().create(respond().build()).validate();
        assertEquals(com.openai.models.responses.ResponseStatus.COMPLETED, r.status().orElseThrow());
        assertEquals(1, r.output().size());
        var call = r.output().get(0).functionCall().orElseThrow();
        assertEquals("get_weather", call.name());
        assertEquals("{\"city\":\"Paris\"}", call.arguments());
        assertTrue(call.callId().startsWith("call_"), call.callId());
        assertEquals("get_weather", r.tools().get(0).asFunction().name(), "the declared tool is echoed");

        List<String> kinds = new ArrayList<>();
        StringBuilder arguments = new StringBuilder();
        try (StreamResponse<com.openai.models.responses.ResponseStreamEvent> st =
                     client.responses().createStreaming(respond().build())) {
            st.stream().forEach(e -> {
                e.validate();
                kinds.add(e.isCreated() ? "created" : e.isInProgress() ? "in_progress" : e.isOutputItemAdded() ? "item.added"
                        : e.isFunctionCallArgumentsDelta() ? "arguments.delta" : e.isFunctionCallArgumentsDone() ? "arguments.done"
                        : e.isOutputItemDone() ? "item.done" : e.isCompleted() ? "completed" : "other");
                e.functionCallArgumentsDelta().ifPresent(d -> arguments.append(d.delta()));
            });
        }
        assertEquals(List.of("created", "in_progress", "item.added", "arguments.delta", "arguments.done", "item.done",
                "completed"), kinds);
        assertEquals("{\"city\":\"Paris\"}", arguments.toString());

        // the next turn: the call and its output replayed as input items
        var next = client.responses().create(respond().maxOutputTokens(2).inputOfResponse(List.of(
                com.openai.models.responses.ResponseInputItem.ofEasyInputMessage(com.openai.models.responses.EasyInputMessage
                        .builder().role(com.openai.models.responses.EasyInputMessage.Role.USER).content(ToolCallingModel.QUESTION).build()),
                com.openai.models.responses.ResponseInputItem.ofFunctionCall(call),
                com.openai.models.responses.ResponseInputItem.ofFunctionCallOutput(
                        com.openai.models.responses.ResponseInputItem.FunctionCallOutput.builder().callId(call.callId())
                                .output("{\"temp\": 21}").build()))).build()).validate();
        assertTrue(next.usage().orElseThrow().inputTokens() > r.usage().orElseThrow().inputTokens(),
                "the call and its output are in the prompt");
    }

    @Test
    void whatCannotBeHonouredIsRefusedByName() {
        Map<String, ChatCompletionCreateParams> refused = Map.of(
                "messages[1].tool_call_id", ask().addMessage(ChatCompletionAssistantMessageParam.builder().content("x").build())
                        .putAdditionalBodyProperty("messages", JsonValue.from(List.of(
                                Map.of("role", "user", "content", "q"), Map.of("role", "tool", "content", "r")))).build(),
                "messages[1].tool_calls[0].function.arguments", ask().putAdditionalBodyProperty("messages", JsonValue.from(List.of(
                        Map.of("role", "user", "content", "q"), Map.of("role", "assistant", "tool_calls", List.of(Map.of(
                                "id", "abc", "type", "function", "function", Map.of("name", "f", "arguments", "{not json"))))))).build(),
                "tools[1].function.name", ask().addFunctionTool(FunctionDefinition.builder().name("no spaces allowed").build()).build());
        refused.forEach((param, p) -> {
            BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(p), param);
            assertEquals(param, e.param().orElseThrow(), e.getMessage());
        });
    }
}
