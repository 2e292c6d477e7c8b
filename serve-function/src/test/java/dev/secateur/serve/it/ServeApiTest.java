package dev.secateur.serve.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Every endpoint against a real exported model in a real store, checked against a bare OrtDecoder. */
@QuarkusTest
@WithTestResource(value = ServeTestResource.class, initArgs = @ResourceArg(name = "model", value = "tiny"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServeApiTest {

    static final String PROMPT = "hello world the cat";

    @ConfigProperty(name = "secateur.serve.store-root")
    String storeRoot;

    Reference ref;

    @BeforeAll
    void reference() {
        ref = new Reference(Path.of(storeRoot), "tiny", 1);
    }

    @AfterAll
    void close() {
        ref.close();
    }

    static Map<String, Object> body(Object... kv) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static Response complete(Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body).post("/v1/completions");
    }

    @Test
    void modelsListsTheServedVersionAndProvider() {
        given().get("/v1/models").then().statusCode(200)
                .body("object", equalTo("list"))
                .body("data[0].id", equalTo("tiny"))
                .body("data[0].ready", equalTo(true))
                .body("data[0].version", equalTo(1))
                .body("data[0].served_as", equalTo("tiny:1"))
                .body("data[0].provider", equalTo("CPU"))
                .body("data[0].metadata.'secateur.architecture'", equalTo("LlamaForCausalLM"))
                .body("data[0].last_error", nullValue());
    }

    @Test
    void greedyCompletionMatchesBareDecoder() {
        String expected = ref.greedy(PROMPT, 8);
        complete(body("model", "tiny", "prompt", PROMPT, "max_tokens", 8, "temperature", 0)).then().statusCode(200)
                .contentType(ContentType.JSON)
                .body("id", startsWith("cmpl-"))
                .body("object", equalTo("text_completion"))
                .body("created", greaterThan(0))
                .body("model", equalTo("tiny:1"))
                .body("choices", hasSize(1))
                .body("choices[0].text", equalTo(expected))
                .body("choices[0].index", equalTo(0))
                .body("choices[0].logprobs", nullValue())
                .body("choices[0].finish_reason", instanceOf(String.class))
                // The fixture's tokenizer puts a BOS in front of a prompt, as Hugging Face's tokenizer(prompt) does.
                .body("usage.prompt_tokens", equalTo(5))
                .body("usage.total_tokens", equalTo(5 + expected.split(" ").length));
    }

    @Test
    void streamingSendsSseChunksEndingWithDone() {
        String expected = ref.greedy(PROMPT, 8);
        Response r = complete(body("model", "tiny", "prompt", PROMPT, "max_tokens", 8, "temperature", 0, "stream", true,
                "stream_options", Map.of("include_usage", true)));
        r.then().statusCode(200).header("Content-Type", containsString("text/event-stream"));
        List<String> data = new ArrayList<>();
        for (String line : r.asString().split("\n")) {
            if (line.startsWith("data: ")) {
                data.add(line.substring(6));
            }
        }
        assertEquals("[DONE]", data.get(data.size() - 1));
        StringBuilder text = new StringBuilder();
        String finish = null;
        int usageTotal = -1;
        for (String chunk : data.subList(0, data.size() - 1)) {
            io.restassured.path.json.JsonPath j = io.restassured.path.json.JsonPath.from(chunk);
            assertEquals("text_completion", j.getString("object"));
            assertEquals("tiny:1", j.getString("model"));
            if (j.getList("choices").isEmpty()) {
                usageTotal = j.getInt("usage.total_tokens");
                continue;
            }
            text.append(j.getString("choices[0].text"));
            if (j.getString("choices[0].finish_reason") != null) {
                finish = j.getString("choices[0].finish_reason");
            }
        }
        assertEquals(expected, text.toString());
        assertTrue("stop".equals(finish) || "length".equals(finish), finish);
        assertTrue(usageTotal > 4);
    }

    @Test
    void stopSequenceCutsTheText() {
        String full = ref.greedy(PROMPT, 8);
        String[] words = full.split(" ");
        if (words.length < 3) {
            return; // the fixture model ended early; nothing to cut
        }
        String expected = full.substring(0, full.indexOf(" " + words[2]));
        complete(body("model", "tiny", "prompt", PROMPT, "max_tokens", 8, "temperature", 0, "stop", List.of(" " + words[2])))
                .then().statusCode(200)
                .body("choices[0].text", equalTo(expected))
                .body("choices[0].finish_reason", equalTo("stop"));
    }

    @Test
    void echoAndLogprobs() {
        String generated = ref.greedy(PROMPT, 4);
        Response r = complete(body("model", "tiny", "prompt", PROMPT, "max_tokens", 4, "temperature", 0,
                "echo", true, "logprobs", 1));
        // The echo is the prompt as sent; the BOS the tokenizer added is scored (as the first, with no logprob)
        // but is not in the text, so it and the prompt's first word both start at offset 0.
        r.then().statusCode(200).body("choices[0].text", equalTo(PROMPT + generated));
        List<Object> tokens = r.jsonPath().getList("choices[0].logprobs.tokens");
        List<Object> lps = r.jsonPath().getList("choices[0].logprobs.token_logprobs");
        List<Integer> offsets = r.jsonPath().getList("choices[0].logprobs.text_offset");
        assertEquals(1 + 4 + generated.split(" ").length, tokens.size());
        assertEquals("<s>", tokens.get(0));
        assertEquals(List.of(0, 0, "hello".length()), offsets.subList(0, 3));
        assertEquals(PROMPT.length(), offsets.get(5), "the first generated token starts where the prompt ends");
        assertEquals(null, lps.get(0));
        for (Object lp : lps.subList(1, lps.size())) {
            assertTrue(((Number) lp).doubleValue() <= 0, "logprob " + lp);
        }
    }

    @Test
    void seededSamplingIsReproducibleAndNGivesChoices() {
        Map<String, Object> b = body("model", "tiny", "prompt", PROMPT, "max_tokens", 6, "temperature", 1.0,
                "top_p", 0.9, "n", 3, "seed", 42);
        Response a = complete(b);
        a.then().statusCode(200).body("choices", hasSize(3)).body("choices[2].index", equalTo(2));
        assertEquals(a.jsonPath().getList("choices.text"), complete(b).jsonPath().getList("choices.text"));
    }

    @Test
    void v2HealthAndMetadata() {
        given().get("/v2/health/live").then().statusCode(200);
        given().get("/v2/health/ready").then().statusCode(200).body("ready", equalTo(true));
        given().get("/v2/models/tiny/ready").then().statusCode(200).body("ready", equalTo(true));
        given().get("/v2/models/tiny").then().statusCode(200)
                .body("name", equalTo("tiny"))
                .body("versions[0]", equalTo("1"))
                .body("inputs[0].name", equalTo("input_ids"))
                .body("inputs[0].datatype", equalTo("INT64"))
                .body("outputs[0].name", equalTo("logits"))
                .body("outputs[0].shape[2]", equalTo(97));
        given().get("/v2/models/nope").then().statusCode(404).body("error", instanceOf(String.class));
        given().get("/v2/models/nope/ready").then().statusCode(404).body("error", instanceOf(String.class));
    }

    @Test
    void v2InferLogitsEqualBareDecoder() {
        long[][] ids = {{3, 4, 5, 6, 7}, {8, 9, 10, 11, 12}};
        float[][][] expected = ref.decoder.logits(ids);
        Response r = given().contentType(ContentType.JSON).body(Map.of("id", "req-1", "inputs", List.of(Map.of(
                "name", "input_ids", "shape", List.of(2, 5), "datatype", "INT64",
                "data", List.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 12))))).post("/v2/models/tiny/infer");
        r.then().statusCode(200)
                .body("model_name", equalTo("tiny"))
                .body("model_version", equalTo("1"))
                .body("id", equalTo("req-1"))
                .body("outputs[0].name", equalTo("logits"))
                .body("outputs[0].datatype", equalTo("FP32"))
                .body("outputs[0].shape", equalTo(List.of(2, 5, 97)));
        List<Float> data = r.jsonPath().getList("outputs[0].data", Float.class);
        assertEquals(2 * 5 * 97, data.size());
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 5; t++) {
                for (int v = 0; v < 97; v++) {
                    assertEquals(expected[b][t][v], data.get((b * 5 + t) * 97 + v), 1e-5f, "logit " + b + "," + t + "," + v);
                }
            }
        }
    }

    @Test
    void badCompletionInputsAreOpenAiStyle4xx() {
        expectV1Error(complete(body("model", "nope", "prompt", PROMPT)), 404, "model");
        expectV1Error(complete(body("model", "tiny:7", "prompt", PROMPT)), 404, "model");
        expectV1Error(complete(body("model", "tiny", "prompt", "")), 400, "prompt");
        expectV1Error(complete(body("model", "tiny")), 400, "prompt");
        expectV1Error(complete(body("prompt", PROMPT)), 400, "model");
        expectV1Error(complete(body("model", "tiny", "prompt", PROMPT, "max_tokens", -1)), 400, "max_tokens");
        expectV1Error(complete(body("model", "tiny", "prompt", PROMPT, "max_tokens", 1_000_000)), 400, "max_tokens");
        expectV1Error(complete(body("model", "tiny", "prompt", PROMPT, "temperature", -0.5)), 400, "temperature");
        expectV1Error(complete(body("model", "tiny", "prompt", PROMPT, "n", 0)), 400, "n");
        expectV1Error(complete(body("model", "tiny", "prompt", PROMPT, "top_p", 0)), 400, "top_p");
        String longPrompt = String.join(" ", java.util.Collections.nCopies(100, "cat"));
        expectV1Error(complete(body("model", "tiny", "prompt", longPrompt, "max_tokens", 64)), 400, "max_tokens");
        Response malformed = given().contentType(ContentType.JSON).body("{\"model\": \"tiny\", \"prompt\": ").post("/v1/completions");
        malformed.then().statusCode(400).contentType(ContentType.JSON).body("error.message", notNullValue());
        Response wrongType = given().contentType(ContentType.JSON).body("{\"model\":\"tiny\",\"prompt\":\"x\",\"max_tokens\":\"many\"}")
                .post("/v1/completions");
        wrongType.then().statusCode(400).contentType(ContentType.JSON).body("error.type", equalTo("invalid_request_error"));
        Response huge = given().contentType(ContentType.JSON)
                .body("{\"model\":\"tiny\",\"prompt\":\"" + "cat ".repeat(20_000) + "\"}").post("/v1/completions");
        huge.then().statusCode(413).contentType(ContentType.JSON).body("error.message", containsString("exceeds"));
        expectV1Error(complete(body("model", "tiny", "prompt", PROMPT, "no_such_argument", 1)), 400, "no_such_argument");
    }

    /** The stream flag decides JSON or SSE whatever Accept says (curl accepts any type, a browser text/html). */
    @Test
    void acceptHeaderDoesNotDecide() {
        Map<String, Object> chat = body("model", "tiny", "messages", List.of(Map.of("role", "user", "content", "the cat")),
                "max_tokens", 2, "temperature", 0);
        for (String accept : new String[] {"*/*", "text/html", "text/event-stream", "application/json"}) {
            given().accept(accept).contentType(ContentType.JSON).body(chat).post("/v1/chat/completions").then()
                    .statusCode(200).contentType(ContentType.JSON).body("object", equalTo("chat.completion"));
            Map<String, Object> streamed = new java.util.LinkedHashMap<>(chat);
            streamed.put("stream", true);
            String sse = given().accept(accept).contentType(ContentType.JSON).body(streamed).post("/v1/chat/completions")
                    .then().statusCode(200).header("Content-Type", containsString("text/event-stream")).extract().asString();
            assertTrue(sse.contains("\"object\":\"chat.completion.chunk\"") && sse.trim().endsWith("data: [DONE]"), sse);
        }
        given().contentType(ContentType.JSON).body(body("model", "tiny", "prompt", PROMPT, "max_tokens", 2)).post("/v1/completions")
                .then().statusCode(200).contentType(ContentType.JSON).body("object", equalTo("text_completion"));
    }

    /** What the SDKs cannot send: a body that is not JSON, or not declared as JSON. */
    @Test
    void wrongContentTypeAndMalformedJsonAreOpenAiErrors() {
        for (String path : List.of("/v1/completions", "/v1/chat/completions", "/v1/embeddings")) {
            given().contentType(ContentType.TEXT).body("{\"model\":\"tiny\"}").post(path).then().statusCode(415)
                    .contentType(ContentType.JSON).body("error.type", equalTo("invalid_request_error"));
            given().contentType(ContentType.JSON).body("{\"model\": \"tiny\", \"messages\": [").post(path).then()
                    .statusCode(400).contentType(ContentType.JSON).body("error.message", containsString("malformed JSON"));
            given().contentType(ContentType.JSON).body("[1, 2]").post(path).then().statusCode(400)
                    .contentType(ContentType.JSON).body("error.message", containsString("JSON object"));
        }
    }

    @Test
    void embeddingsRefuseADecoder() {
        Response r = given().contentType(ContentType.JSON).body(body("model", "tiny", "input", PROMPT)).post("/v1/embeddings");
        expectV1Error(r, 400, "model");
        r.then().body("error.message", containsString("use /v1/completions"));
    }

    static void expectV1Error(Response r, int status, String param) {
        r.then().statusCode(status).contentType(ContentType.JSON)
                .body("error.message", instanceOf(String.class))
                .body("error.type", instanceOf(String.class))
                .body("error.param", equalTo(param));
    }

    @Test
    void badInferInputsAreV2Style4xx() {
        Map<String, Object> wrongType = Map.of("inputs", List.of(Map.of("name", "input_ids", "shape", List.of(1, 2),
                "datatype", "FP32", "data", List.of(1, 2))));
        Map<String, Object> wrongShape = Map.of("inputs", List.of(Map.of("name", "input_ids", "shape", List.of(1, 3),
                "datatype", "INT64", "data", List.of(1, 2))));
        Map<String, Object> outOfVocab = Map.of("inputs", List.of(Map.of("name", "input_ids", "shape", List.of(1, 1),
                "datatype", "INT64", "data", List.of(500))));
        Map<String, Object> tooLong = Map.of("inputs", List.of(Map.of("name", "input_ids", "shape", List.of(1, 129),
                "datatype", "INT64", "data", java.util.Collections.nCopies(129, 3))));
        for (Object b : List.of(wrongType, wrongShape, outOfVocab, tooLong, Map.of("inputs", List.of()))) {
            given().contentType(ContentType.JSON).body(b).post("/v2/models/tiny/infer").then().statusCode(400)
                    .contentType(ContentType.JSON).body("error", instanceOf(String.class));
        }
        given().contentType(ContentType.JSON).body("{not json").post("/v2/models/tiny/infer").then().statusCode(400)
                .contentType(ContentType.JSON).body("error", instanceOf(String.class));
        given().contentType(ContentType.JSON).body(wrongType).post("/v2/models/nope/infer").then().statusCode(404)
                .body("error", instanceOf(String.class));
    }

    @Test
    void rollbackNeedsTheAdminToken() {
        given().post("/admin/models/tiny/rollback").then().statusCode(401).contentType(ContentType.JSON)
                .body("error", instanceOf(String.class));
        given().header("Authorization", "Bearer wrong").post("/admin/models/tiny/rollback").then().statusCode(401);
        // With the token but nothing to roll back to: a JSON conflict, not a crash.
        given().header("Authorization", "Bearer " + ServeTestResource.ADMIN_TOKEN).post("/admin/models/tiny/rollback")
                .then().statusCode(409).body("error", containsString("no previous version"));
    }

    @Test
    void healthMetricsAndReport() {
        complete(body("model", "tiny", "prompt", PROMPT, "max_tokens", 4, "temperature", 0)).then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String name : List.of("secateur_request_latency_seconds_bucket", "secateur_request_ttft_seconds_bucket",
                "secateur_tokens_per_second", "secateur_model_version", "secateur_model_swaps_total",
                "secateur_model_swaps_failed_total")) {
            assertTrue(metrics.contains(name), name + " missing from /q/metrics");
        }
        given().get("/v1/models/tiny/report").then().statusCode(200)
                .body("model", equalTo("tiny"))
                .body("current.version", equalTo(1))
                .body("current.report.perplexity.after", equalTo(12.9f))
                .body("current.served.requests", greaterThan(0))
                .body("current.served.latency_p95_ms", greaterThan(0f))
                .body("previous", nullValue());
        given().get("/v1/models/nope/report").then().statusCode(404);
    }
}
