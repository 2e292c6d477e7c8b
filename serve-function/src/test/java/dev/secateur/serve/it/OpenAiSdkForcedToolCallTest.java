package dev.secateur.serve.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAllowedToolChoice;
import com.openai.models.chat.completions.ChatCompletionAllowedTools;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ToolChoiceFunction;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * tool_choice "required", a named function and allowed_tools through the official Java SDK, on the demo model (trained
 * on Bible verses only, never on JSON or calls) behind a template that lists the tools by name: every call below is
 * well-formed and follows its function's parameters because decoding is constrained to them. Greedy, so reproducible.
 */
@QuarkusTest
@WithTestResource(value = ServeTestResource.class, initArgs = {@ResourceArg(name = "model", value = "psalter"),
        @ResourceArg(name = "kind", value = "demo-tools")})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiSdkForcedToolCallTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Set<String> BOOKS = Set.of("Genesis", "Exodus", "Psalms");

    OpenAIClient client;

    @BeforeAll
    void setUp() {
        client = OpenAiClients.client();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                JsonValue.from(true).equals(client.models().retrieve("psalter")._additionalProperties().get("ready")));
    }

    @AfterAll
    void tearDown() {
        client.close();
    }

    /** find_verse(book: one of three, chapter: integer), both required, nothing else. */
    static Map<String, Object> findVerseParameters() {
        return Map.of("type", "object", "additionalProperties", false, "required", List.of("book", "chapter"),
                "properties", Map.of("book", Map.of("type", "string", "enum", List.copyOf(BOOKS)),
                        "chapter", Map.of("type", "integer")));
    }

    static FunctionDefinition function(String name, Map<String, Object> parameters) {
        FunctionParameters.Builder p = FunctionParameters.builder();
        parameters.forEach((k, v) -> p.putAdditionalProperty(k, JsonValue.from(v)));
        return FunctionDefinition.builder().name(name).parameters(p.build()).build();
    }

    ChatCompletionCreateParams.Builder ask() {
        return ChatCompletionCreateParams.builder().model("psalter").temperature(0.0).maxCompletionTokens(90)
                .addUserMessage("Where is the verse of the beginning?")
                .addFunctionTool(function("find_verse", findVerseParameters()))
                .addFunctionTool(function("is_poetry", Map.of("type", "object", "additionalProperties", false,
                        "required", List.of("poetry"), "properties", Map.of("poetry", Map.of("type", "boolean")))));
    }

    static ChatCompletionToolChoiceOption named(String name) {
        return ChatCompletionToolChoiceOption.ofNamedToolChoice(ChatCompletionNamedToolChoice.builder()
                .function(ChatCompletionNamedToolChoice.Function.builder().name(name).build()).build());
    }

    static ChatCompletionMessageFunctionToolCall onlyCall(ChatCompletion c) {
        ChatCompletion.Choice choice = c.choices().get(0);
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason(), choice.message().toString());
        assertFalse(choice.message().content().isPresent(), "a forced call has no content");
        var calls = choice.message().toolCalls().orElseThrow();
        assertEquals(1, calls.size());
        return calls.get(0).asFunction();
    }

    static void assertFindVerse(String name, String arguments) throws Exception {
        assertEquals("find_verse", name);
        JsonNode args = JSON.readTree(arguments);
        assertEquals(Set.of("book", "chapter"), Set.copyOf(iterable(args)), arguments);
        assertTrue(BOOKS.contains(args.get("book").asText()), arguments);
        assertTrue(args.get("chapter").isIntegralNumber(), arguments);
    }

    static List<String> iterable(JsonNode object) {
        List<String> names = new java.util.ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void aNamedFunctionIsCalledWithArgumentsThatFollowItsSchema() throws Exception {
        ChatCompletionMessageFunctionToolCall call = onlyCall(client.chat().completions().create(
                ask().toolChoice(named("find_verse")).build()));
        assertFindVerse(call.function().name(), call.function().arguments());
        assertTrue(call.id().length() > 0);
    }

    @Test
    void theOtherNamedFunctionIsCalledWhenItIsTheOneNamed() throws Exception {
        ChatCompletionMessageFunctionToolCall call = onlyCall(client.chat().completions().create(
                ask().toolChoice(named("is_poetry")).build()));
        assertEquals("is_poetry", call.function().name());
        assertTrue(JSON.readTree(call.function().arguments()).get("poetry").isBoolean(), call.function().arguments());
    }

    @Test
    void requiredCallsOneOfTheToolsAndAStreamCarriesTheSameCall() throws Exception {
        ChatCompletionCreateParams params = ask().toolChoice(ChatCompletionToolChoiceOption.ofAuto(
                ChatCompletionToolChoiceOption.Auto.REQUIRED)).build();
        ChatCompletionMessageFunctionToolCall call = onlyCall(client.chat().completions().create(params));
        String name = call.function().name();
        assertTrue(Set.of("find_verse", "is_poetry").contains(name), name);
        if (name.equals("find_verse")) {
            assertFindVerse(name, call.function().arguments());
        }
        StringBuilder streamedName = new StringBuilder();
        StringBuilder streamedArguments = new StringBuilder();
        StringBuilder content = new StringBuilder();
        List<ChatCompletionChunk.Choice.FinishReason> finishes = new java.util.ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params)) {
            s.stream().forEach(chunk -> chunk.choices().forEach(ch -> {
                ch.delta().content().ifPresent(content::append);
                ch.delta().toolCalls().ifPresent(calls -> calls.forEach(tc -> tc.function().ifPresent(f -> {
                    f.name().ifPresent(streamedName::append);
                    f.arguments().ifPresent(streamedArguments::append);
                })));
                ch.finishReason().ifPresent(finishes::add);
            }));
        }
        assertEquals(name, streamedName.toString());
        assertEquals(JSON.readTree(call.function().arguments()), JSON.readTree(streamedArguments.toString()));
        assertEquals("", content.toString());
        assertEquals(List.of(ChatCompletionChunk.Choice.FinishReason.TOOL_CALLS), finishes);
    }

    @Test
    void allowedToolsShowsOnlyThoseAndRequiredCallsOneOfThem() throws Exception {
        ChatCompletionAllowedTools allowed = ChatCompletionAllowedTools.builder()
                .mode(ChatCompletionAllowedTools.Mode.REQUIRED)
                .addTool(ChatCompletionAllowedTools.Tool.builder().putAdditionalProperty("type", JsonValue.from("function"))
                        .putAdditionalProperty("function", JsonValue.from(Map.of("name", "find_verse"))).build())
                .build();
        ChatCompletion c = client.chat().completions().create(ask().toolChoice(ChatCompletionToolChoiceOption
                .ofAllowedToolChoice(ChatCompletionAllowedToolChoice.builder().allowedTools(allowed).build())).build());
        ChatCompletionMessageFunctionToolCall call = onlyCall(c);
        assertFindVerse(call.function().name(), call.function().arguments());
        ChatCompletion all = client.chat().completions().create(ask().toolChoice(named("find_verse")).build());
        assertTrue(c.usage().orElseThrow().promptTokens() < all.usage().orElseThrow().promptTokens(),
                "allowed_tools leaves the other tool out of the prompt");
    }

    @Test
    void theResponsesApiForcesANamedFunction() throws Exception {
        Response r = client.responses().create(ResponseCreateParams.builder().model("psalter").temperature(0.0)
                .maxOutputTokens(90).input("Where is the verse of the beginning?")
                .addTool(FunctionTool.builder().name("find_verse").strict(true).parameters(FunctionTool.Parameters.builder()
                        .putAllAdditionalProperties(Map.of("type", JsonValue.from("object"),
                                "additionalProperties", JsonValue.from(false),
                                "required", JsonValue.from(List.of("book", "chapter")),
                                "properties", JsonValue.from(findVerseParameters().get("properties")))).build()).build())
                .toolChoice(ToolChoiceFunction.builder().name("find_verse").build()).build());
        List<ResponseFunctionToolCall> calls = r.output().stream().flatMap(o -> o.functionCall().stream()).toList();
        assertEquals(1, calls.size(), r.output().toString());
        assertFindVerse(calls.get(0).name(), calls.get(0).arguments());
        assertEquals("find_verse", r.toolChoice().asFunction().name(), "the response echoes the forced function");
    }

    @Test
    void whatCannotBeForcedIsA400NamingTheField() {
        Map<String, ChatCompletionCreateParams> refused = Map.of(
                "tool_choice.function.name", ask().toolChoice(named("no_such_tool")).build(),
                "tools[2].function.parameters.properties.a.not", ask().addFunctionTool(function("odd", Map.of("type", "object",
                        "properties", Map.of("a", Map.of("not", Map.of("type", "string")))))).toolChoice(named("odd")).build(),
                "tool_choice.type", ask().toolChoice(ChatCompletionToolChoiceOption.ofNamedToolChoice(ChatCompletionNamedToolChoice
                        .builder().function(ChatCompletionNamedToolChoice.Function.builder().name("find_verse").build())
                        .type(JsonValue.from("custom")).build())).build());
        refused.forEach((param, p) -> {
            BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(p), param);
            assertEquals(param, e.param().orElseThrow(), e.getMessage());
        });
    }
}
