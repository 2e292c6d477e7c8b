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
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.StructuredChatCompletion;
import com.openai.models.chat.completions.StructuredChatCompletionCreateParams;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.StructuredResponse;
import com.openai.models.responses.StructuredResponseCreateParams;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Structured outputs as the official Java SDK asks for them (a class turned into a strict JSON schema, JSON mode), on
 * the demo model: a 6.6M-parameter model trained on Bible verses, which has never seen JSON, so every well-formed
 * answer below is the constraint's doing. Greedy, so the answers are reproducible.
 */
@QuarkusTest
@WithTestResource(value = ServeTestResource.class, initArgs = {@ResourceArg(name = "model", value = "verses"),
        @ResourceArg(name = "kind", value = "demo")})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiSdkStructuredOutputTest {

    static final ObjectMapper JSON = new ObjectMapper();

    public enum Testament { OLD, NEW }

    /** What the SDK turns into {"type":"object","properties":{...},"required":[all],"additionalProperties":false}. */
    public record Verse(Testament testament, int chapter, boolean poetry) {
    }

    OpenAIClient client;

    @BeforeAll
    void setUp() {
        client = OpenAiClients.client();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                JsonValue.from(true).equals(client.models().retrieve("verses")._additionalProperties().get("ready")));
    }

    @AfterAll
    void tearDown() {
        client.close();
    }

    @Test
    void aClassComesBackAsThatClass() {
        StructuredChatCompletionCreateParams<Verse> params = ChatCompletionCreateParams.builder().model("verses")
                .temperature(0.0).maxCompletionTokens(100).addUserMessage("Which verse speaks of the beginning?")
                .responseFormat(Verse.class).build();
        StructuredChatCompletion<Verse> c = client.chat().completions().create(params);
        StructuredChatCompletion.Choice<Verse> choice = c.choices().get(0);
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, choice.finishReason());
        Verse v = choice.message().content().orElseThrow();
        assertTrue(v.testament() == Testament.OLD || v.testament() == Testament.NEW);
    }

    @Test
    void jsonModeAnswersOneObjectAndAStreamSpellsTheSameObject() throws Exception {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("verses").temperature(0.0)
                .maxCompletionTokens(100).addUserMessage("In the beginning")
                .responseFormat(ResponseFormatJsonObject.builder().build()).build();
        ChatCompletion c = client.chat().completions().create(params);
        String content = c.choices().get(0).message().content().orElseThrow();
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason());
        assertTrue(JSON.readTree(content).isObject(), content);
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params)) {
            s.stream().forEach(chunk -> chunk.choices().forEach(ch -> ch.delta().content().ifPresent(streamed::append)));
        }
        assertEquals(content, streamed.toString());
    }

    @Test
    void aSchemaWithEnumsAndBoundsIsKept() throws Exception {
        Map<String, Object> schema = Map.of("type", "object", "additionalProperties", false,
                "required", java.util.List.of("book", "verses"),
                "properties", Map.of(
                        "book", Map.of("enum", java.util.List.of("Genesis", "Exodus", "Psalms")),
                        "verses", Map.of("type", "array", "minItems", 1, "maxItems", 2,
                                "items", Map.of("type", "string", "maxLength", 12))));
        ResponseFormatJsonSchema format = ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema
                .builder().name("verses").strict(true).schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("additionalProperties", JsonValue.from(false))
                        .putAdditionalProperty("required", JsonValue.from(schema.get("required")))
                        .putAdditionalProperty("properties", JsonValue.from(schema.get("properties"))).build()).build()).build();
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model("verses")
                .temperature(0.0).maxCompletionTokens(100).addUserMessage("Name a book and a verse")
                .responseFormat(format).build());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason(),
                c.choices().get(0).message().content().orElse(""));
        JsonNode n = JSON.readTree(c.choices().get(0).message().content().orElseThrow());
        assertTrue(java.util.Set.of("Genesis", "Exodus", "Psalms").contains(n.path("book").asText()), n.toString());
        assertTrue(n.path("verses").size() >= 1 && n.path("verses").size() <= 2, n.toString());
        n.path("verses").forEach(v -> assertTrue(v.asText().length() <= 12, n.toString()));
    }

    @Test
    void theResponsesApiTakesTheSameClass() {
        StructuredResponseCreateParams<Verse> params = ResponseCreateParams.builder().model("verses").temperature(0.0)
                .maxOutputTokens(100).input("Which verse speaks of the beginning?").text(Verse.class).build();
        StructuredResponse<Verse> r = client.responses().create(params);
        Verse v = r.output().stream().flatMap(item -> item.message().stream())
                .flatMap(m -> m.content().stream()).flatMap(content -> content.outputText().stream())
                .findFirst().orElseThrow();
        assertFalse(v.testament() == null);
    }

    @Test
    void aSchemaThisServerCannotKeepIsA400NamingTheKeyword() {
        ResponseFormatJsonSchema format = ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema
                .builder().name("x").schema(ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("a", Map.of("not", Map.of("type", "string")))))
                        .build()).build()).build();
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("verses").addUserMessage("x").responseFormat(format).build()));
        assertEquals("response_format.json_schema.schema.properties.a.not", e.param().orElseThrow());
    }
}
