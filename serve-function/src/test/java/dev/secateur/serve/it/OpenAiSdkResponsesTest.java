package dev.secateur.serve.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import dev.secateur.json.Json;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * /v1/responses driven by the official OpenAI Java SDK (and its stream read off the wire): the answer is the chat
 * template's rendering of the input generated greedily by a bare OrtDecoder on the same stored version.
 */
@QuarkusTest
@WithTestResource(value = ServeTestResource.class, initArgs = @ResourceArg(name = "model", value = "tiny"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiSdkResponsesTest {

    /** What the served template (tiny-mistral.jinja) makes of one user message "the cat". */
    static final String RENDERED = "<s> [INST] the cat [/INST]";

    @ConfigProperty(name = "secateur.serve.store-root")
    String storeRoot;

    Reference ref;
    OpenAIClient client;

    @BeforeAll
    void setUp() {
        ref = new Reference(Path.of(storeRoot), "tiny", 1);
        client = OpenAiClients.client();
        // the server loads its version in the background after start: wait for it rather than race it
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                JsonValue.from(true).equals(client.models().retrieve("tiny")._additionalProperties().get("ready")));
    }

    @AfterAll
    void tearDown() {
        ref.close();
        client.close();
    }

    ResponseCreateParams.Builder params() {
        return ResponseCreateParams.builder().model("tiny").input("the cat").maxOutputTokens(8).temperature(0.0);
    }

    static String text(Response r) {
        return r.output().get(0).message().orElseThrow().content().get(0).outputText().orElseThrow().text();
    }

    @Test
    void textInputIsAnsweredAsTheChatTemplateRendersIt() {
        Response r = client.responses().create(params().build()).validate();
        assertTrue(r.id().startsWith("resp_"), r.id());
        String expected = ref.greedyChat(RENDERED, 8);
        assertFalse(expected.isEmpty(), "the fixture answers with at least one token");
        assertEquals(expected, text(r));
        var usage = r.usage().orElseThrow();
        assertEquals(ref.tokenizer.encode(RENDERED).length, usage.inputTokens());
        assertEquals(expected.split(" ").length, usage.outputTokens());
        assertEquals(usage.inputTokens() + usage.outputTokens(), usage.totalTokens());
        assertEquals(r.status().orElseThrow(), usage.outputTokens() == 8 ? ResponseStatus.INCOMPLETE : ResponseStatus.COMPLETED);
    }

    @Test
    void instructionsAreTheSystemMessageAndMessageItemsTheConversation() {
        Response r = client.responses().create(ResponseCreateParams.builder().model("tiny").instructions("the dog")
                .inputOfResponse(List.of(ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
                        .role(EasyInputMessage.Role.USER).content("sat").build())))
                .maxOutputTokens(8).temperature(0.0).build()).validate();
        assertEquals(ref.greedyChat("<s> [INST] the dog sat [/INST]", 8), text(r));
        assertEquals("the dog", r.instructions().orElseThrow().asString());
    }

    @Test
    void theTokenLimitMakesTheResponseIncomplete() {
        Response r = client.responses().create(params().maxOutputTokens(1).build()).validate();
        assertEquals(ResponseStatus.INCOMPLETE, r.status().orElseThrow());
        assertEquals(Response.IncompleteDetails.Reason.MAX_OUTPUT_TOKENS,
                r.incompleteDetails().orElseThrow().reason().orElseThrow());
        assertEquals(1, r.usage().orElseThrow().outputTokens());
        assertEquals(ref.greedyChat(RENDERED, 1), text(r));
    }

    @Test
    void theStreamIsTheWholeResponseInEvents() {
        Response whole = client.responses().create(params().build());
        List<String> kinds = new ArrayList<>();
        StringBuilder deltas = new StringBuilder();
        Response[] last = {null};
        try (StreamResponse<ResponseStreamEvent> s = client.responses().createStreaming(params().build())) {
            s.stream().forEach(e -> {
                e.validate();
                kinds.add(kind(e));
                e.outputTextDelta().ifPresent(d -> deltas.append(d.delta()));
                e.completed().ifPresent(c -> last[0] = c.response());
                e.incomplete().ifPresent(c -> last[0] = c.response());
            });
        }
        assertEquals(text(whole), deltas.toString());
        String end = whole.status().orElseThrow() == ResponseStatus.COMPLETED ? "completed" : "incomplete";
        List<String> expected = new ArrayList<>(List.of("created", "in_progress", "output_item.added", "content_part.added"));
        kinds.stream().filter("output_text.delta"::equals).forEach(expected::add);
        expected.addAll(List.of("output_text.done", "content_part.done", "output_item.done", end));
        assertEquals(expected, kinds);
        assertEquals(text(whole), text(last[0]));
        assertEquals(whole.usage().orElseThrow().outputTokens(), last[0].usage().orElseThrow().outputTokens());
    }

    private static String kind(ResponseStreamEvent e) {
        return e.isCreated() ? "created" : e.isInProgress() ? "in_progress" : e.isOutputItemAdded() ? "output_item.added"
                : e.isContentPartAdded() ? "content_part.added" : e.isOutputTextDelta() ? "output_text.delta"
                : e.isOutputTextDone() ? "output_text.done" : e.isContentPartDone() ? "content_part.done"
                : e.isOutputItemDone() ? "output_item.done" : e.isCompleted() ? "completed"
                : e.isIncomplete() ? "incomplete" : "other";
    }

    /** On the wire: each data line follows an event line naming its type, numbered from 0, and no [DONE]. */
    @Test
    void streamedEventsAreNamedAndNumbered() throws Exception {
        String body = given().contentType(ContentType.JSON)
                .body(Map.of("model", "tiny", "input", "the cat", "max_output_tokens", 4, "temperature", 0, "stream", true))
                .post("/v1/responses").then().statusCode(200).contentType(org.hamcrest.Matchers.startsWith("text/event-stream"))
                .extract().asString();
        assertFalse(body.contains("[DONE]"), body);
        String[] events = body.trim().split("\n\n");
        for (int i = 0; i < events.length; i++) {
            String[] lines = events[i].split("\n");
            assertEquals(2, lines.length, events[i]);
            assertTrue(lines[0].startsWith("event: ") && lines[1].startsWith("data: "), events[i]);
            JsonNode data = Json.mapper().readTree(lines[1].substring("data: ".length()));
            assertEquals(lines[0].substring("event: ".length()), data.path("type").asText());
            assertEquals(i, data.path("sequence_number").asInt());
        }
        JsonNode done = Json.mapper().readTree(events[events.length - 1].split("\n")[1].substring(6));
        assertEquals("tiny:1", done.path("response").path("model").asText());
    }

    @Test
    void whatNeedsStateToolsOrImagesIsRefusedByName() {
        Map<String, ResponseCreateParams> refused = Map.of(
                "previous_response_id", params().previousResponseId("resp_abc").build(),
                "tools", params().addTool(FunctionTool.builder().name("f").parameters(FunctionTool.Parameters.builder()
                        .build()).strict(false).build()).build(),
                "input[0].content[0].type", ResponseCreateParams.builder().model("tiny").input(JsonValue.from(List.of(
                        Map.of("role", "user", "content", List.of(Map.of("type", "input_image", "image_url", "x")))))).build(),
                "input[0].type", ResponseCreateParams.builder().model("tiny").input(JsonValue.from(List.of(
                        Map.of("type", "reasoning", "summary", List.of())))).build(),
                "text.format.type", params().putAdditionalBodyProperty("text",
                        JsonValue.from(Map.of("format", Map.of("type", "xml")))).build(),
                "max_output_tokens", params().maxOutputTokens(-1).build(),
                "bogus", params().putAdditionalBodyProperty("bogus", JsonValue.from(1)).build());
        refused.forEach((param, p) -> {
            BadRequestException e = assertThrows(BadRequestException.class, () -> client.responses().create(p), param);
            assertEquals(param, e.param().orElseThrow(), e.getMessage());
        });
        given().contentType(ContentType.JSON).body(Map.of("model", "tiny")).post("/v1/responses").then()
                .statusCode(400).body("error.param", org.hamcrest.Matchers.equalTo("input"));
    }
}
