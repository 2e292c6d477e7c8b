package dev.secateur.serve.it;

import static dev.secateur.serve.it.ServeApiTest.body;
import static dev.secateur.serve.it.ServeApiTest.expectV1Error;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.runtime.OrtEncoder;
import dev.secateur.store.ModelStore;
import dev.secateur.store.StoredVersion;
import dev.secateur.tokenizer.SentenceTokenizer;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/** /v1/embeddings against the real all-MiniLM-L6-v2, exported and published to a store, checked against a bare OrtEncoder. */
@QuarkusTest
@WithTestResource(value = ServeTestResource.class, initArgs = {
        @ResourceArg(name = "model", value = "minilm"), @ResourceArg(name = "kind", value = "encoder")})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddingsApiTest {

    static final List<String> TEXTS = List.of(
            "The kettle clicked off just as the rain started.",
            "Hi!",
            "Le chat dort sur le canapé.",
            "Pruning removes neurons whose contribution the rest of the network can make up for.");

    @ConfigProperty(name = "secateur.serve.store-root")
    String storeRoot;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    OrtEncoder encoder;
    SentenceTokenizer tokenizer;

    @BeforeAll
    void reference() {
        Path dir = new ModelStore(Path.of(storeRoot)).resolve("minilm", 1);
        encoder = OrtEncoder.open(dir);
        tokenizer = SentenceTokenizer.load(dir.resolve("tokenizer.json"));
    }

    @AfterAll
    void close() {
        encoder.close();
        tokenizer.close();
    }

    float[] expected(String text) {
        return encoder.run(tokenizer.batch(List.of(text), 512)).sentenceEmbeddings()[0];
    }

    static Response embed(Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body).post("/v1/embeddings");
    }

    static float[] vector(List<Number> values) {
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i).floatValue();
        }
        return v;
    }

    static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4, "component " + i);
        }
    }

    static void assertUnit(float[] v) {
        double n = 0;
        for (float x : v) {
            assertTrue(Float.isFinite(x));
            n += (double) x * x;
        }
        assertEquals(1.0, Math.sqrt(n), 1e-4);
    }

    @Test
    void oneStringGivesOneUnitVectorEqualToBareEncoder() {
        Response r = embed(body("model", "minilm", "input", TEXTS.get(0), "encoding_format", "float"));
        r.then().statusCode(200).contentType(ContentType.JSON)
                .body("object", equalTo("list"))
                .body("model", equalTo("minilm:1"))
                .body("data", hasSize(1))
                .body("data[0].object", equalTo("embedding"))
                .body("data[0].index", equalTo(0))
                .body("data[0].embedding", hasSize(384))
                .body("usage.prompt_tokens", greaterThan(2))
                .body("usage.total_tokens", equalTo(r.path("usage.prompt_tokens")));
        float[] v = vector(r.path("data[0].embedding"));
        assertUnit(v);
        assertClose(expected(TEXTS.get(0)), v);
        assertEquals(tokenizer.encode(TEXTS.get(0)).length, (int) r.path("usage.prompt_tokens"));
    }

    @Test
    void arrayKeepsIndexOrder() {
        List<String> texts = new ArrayList<>(TEXTS);
        Collections.reverse(texts);
        Response r = embed(body("model", "minilm:1", "input", texts));
        r.then().statusCode(200).body("data", hasSize(texts.size()));
        long tokens = 0;
        for (int i = 0; i < texts.size(); i++) {
            assertEquals(i, (int) r.path("data[" + i + "].index"));
            float[] v = vector(r.path("data[" + i + "].embedding"));
            assertEquals(384, v.length);
            assertUnit(v);
            assertClose(expected(texts.get(i)), v);
            tokens += tokenizer.encode(texts.get(i)).length;
        }
        assertEquals(tokens, ((Number) r.path("usage.prompt_tokens")).longValue());
    }

    @Test
    void modelsListsTheEncoder() {
        given().get("/v1/models").then().statusCode(200)
                .body("data[0].id", equalTo("minilm"))
                .body("data[0].ready", equalTo(true))
                .body("data[0].metadata.'secateur.kind'", equalTo("encoder"));
    }

    @Test
    void badInputsAreOpenAiStyle4xx() {
        expectV1Error(embed(body("model", "nope", "input", "x")), 404, "model");
        expectV1Error(embed(body("model", "minilm:7", "input", "x")), 404, "model");
        expectV1Error(embed(body("input", "x")), 400, "model");
        expectV1Error(embed(body("model", "minilm")), 400, "input");
        expectV1Error(embed(body("model", "minilm", "input", "")), 400, "input");
        expectV1Error(embed(body("model", "minilm", "input", List.of())), 400, "input");
        expectV1Error(embed(body("model", "minilm", "input", List.of("ok", ""))), 400, "input");
        expectV1Error(embed(body("model", "minilm", "input", List.of("ok", 3))), 400, "input");
        expectV1Error(embed(body("model", "minilm", "input", 42)), 400, "input");
        expectV1Error(embed(body("model", "minilm", "input", "x", "encoding_format", "int8")), 400, "encoding_format");
        expectV1Error(embed(body("model", "minilm", "input", "x", "dimensions", 385)), 400, "dimensions");
        expectV1Error(embed(body("model", "minilm", "input", "x", "dimensions", 0)), 400, "dimensions");
        expectV1Error(embed(body("model", "minilm", "input", List.of(101, 99999, 102))), 400, "input");
        expectV1Error(embed(body("model", "minilm", "input", "x", "unknown_thing", 1)), 400, "unknown_thing");
        Response tooMany = embed(body("model", "minilm", "input", Collections.nCopies(9, "x")));
        expectV1Error(tooMany, 400, "input");
        tooMany.then().body("error.message", containsString("at most 8"));
        Response tooLong = embed(body("model", "minilm", "input", List.of("short", "cat ".repeat(600))));
        expectV1Error(tooLong, 400, "input");
        tooLong.then().body("error.message", containsString("input 1 has"))
                .body("error.message", containsString("context of 512"));
    }

    @Test
    void completionsRefuseAnEncoder() {
        Response r = given().contentType(ContentType.JSON).body(body("model", "minilm", "prompt", "hello"))
                .post("/v1/completions");
        expectV1Error(r, 400, "model");
        r.then().body("error.message", containsString("is an encoder; use /v1/embeddings"));
    }

    /** Last: hot reload through a Kafka event; a decoder published under the encoder's name is refused. */
    @Test
    @Order(Integer.MAX_VALUE)
    void hotReloadsANewEncoderVersionAndRefusesADecoder() throws Exception {
        ModelStore store = new ModelStore(Path.of(storeRoot));
        StoredVersion decoder = TestModels.publish(store, "minilm", "llama-gqa", "{}");
        assertEquals(2, decoder.version());
        TestModels.sendCompleted(bootstrap, decoder);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/v1/models").then()
                .body("data[0].last_error.version", equalTo(2))
                .body("data[0].last_error.message", containsString("cannot replace the served encoder")));
        given().get("/v1/models").then().body("data[0].served_as", equalTo("minilm:1"));

        StoredVersion next = TestModels.publishMiniLm(store, "minilm");
        assertEquals(3, next.version());
        TestModels.sendCompleted(bootstrap, next);
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> given().get("/v1/models").then()
                .body("data[0].served_as", equalTo("minilm:3")));
        Response r = embed(body("model", "minilm", "input", TEXTS.get(2)));
        r.then().statusCode(200).body("model", equalTo("minilm:3"));
        assertClose(expected(TEXTS.get(2)), vector(r.path("data[0].embedding")));
    }
}
