package dev.secateur.serve.it;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.store.ModelStore;
import dev.secateur.store.StoredVersion;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Version lifecycle through real Kafka events: a corrupt version is refused, a good one is swapped in under
 * load without a failed or mixed response, the report compares both, and rollback needs the admin token.
 */
@QuarkusTest
@WithTestResource(value = ServeTestResource.class, initArgs = @ResourceArg(name = "model", value = "swap"))
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HotSwapTest {

    static final String PROMPT = "the cat sat on";
    static final int CLIENTS = 8;
    static final ObjectMapper JSON = new ObjectMapper();

    @ConfigProperty(name = "secateur.serve.store-root")
    String storeRoot;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @TestHTTPResource("/v1/completions")
    URI completions;

    ModelStore store() {
        return new ModelStore(Path.of(storeRoot));
    }

    @Test
    @Order(1)
    void corruptVersionIsRefusedAndTheOldOneKeepsServing() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/v2/health/ready").statusCode() == 200);
        // A record that is not a CloudEvent at all, and a rejected event: both must be skipped harmlessly.
        TestModels.send(bootstrap, Map.of("junk", new byte[] {1, 2}), "{not json".getBytes(StandardCharsets.UTF_8));
        StoredVersion corrupt = TestModels.publishCorrupt(store(), "swap");
        assertEquals(2, corrupt.version());
        TestModels.sendCompleted(bootstrap, corrupt);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/v1/models").then()
                .body("data[0].last_error.version", equalTo(2)));
        given().get("/v1/models").then().body("data[0].served_as", equalTo("swap:1"));
        given().contentType("application/json").body(Map.of("model", "swap", "prompt", PROMPT, "max_tokens", 4))
                .post("/v1/completions").then().statusCode(200).body("model", equalTo("swap:1"));
        String metrics = given().get("/q/metrics").asString();
        assertTrue(metrics.contains("secateur_model_swaps_failed_total 1.0"), "failed-swap counter");
    }

    @Test
    @Order(2)
    void hotSwapUnderLoadFailsNoRequestAndMixesNoVersions() throws Exception {
        StoredVersion v3 = TestModels.publish(store(), "swap", "llama-tied-bf16",
                "{\"version\":3,\"perplexity\":{\"before\":12.5,\"after\":13.4}}");
        Map<String, String> expected = new ConcurrentHashMap<>();
        try (Reference r1 = new Reference(Path.of(storeRoot), "swap", 1);
             Reference r3 = new Reference(Path.of(storeRoot), "swap", 3)) {
            expected.put("swap:1", r1.greedy(PROMPT, 8));
            expected.put("swap:3", r3.greedy(PROMPT, 8));
        }
        assertNotEquals(expected.get("swap:1"), expected.get("swap:3"), "the two versions must be told apart by output");

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean sawNew = new AtomicBoolean();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> models = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            boolean stream = c % 2 == 1;
            clients.add(pool.submit(() -> {
                while (running.get()) {
                    try {
                        String[] got = call(http, stream);
                        models.add(got[0]);
                        if (!expected.containsKey(got[0])) {
                            failures.add("unexpected model " + got[0]);
                        } else if (!expected.get(got[0]).equals(got[1])) {
                            failures.add(got[0] + " answered '" + got[1] + "', expected '" + expected.get(got[0]) + "'");
                        }
                        if ("swap:3".equals(got[0])) {
                            sawNew.set(true);
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
                return null;
            }));
        }
        Thread.sleep(1500);
        TestModels.sendCompleted(bootstrap, v3);
        await().atMost(Duration.ofSeconds(90)).untilTrue(sawNew);
        Thread.sleep(1500);
        running.set(false);
        for (Future<?> f : clients) {
            f.get();
        }
        pool.shutdown();
        assertTrue(failures.isEmpty(), failures.size() + " failed requests, e.g. " + failures.peek());
        long old = models.stream().filter("swap:1"::equals).count();
        long now = models.stream().filter("swap:3"::equals).count();
        assertTrue(old > 0 && now > 0, "both versions answered: " + old + " / " + now);
        given().get("/v1/models").then()
                .body("data[0].served_as", equalTo("swap:3"))
                .body("data[0].previous_versions", equalTo(List.of(1)))
                .body("data[0].last_error", nullValue());
        assertTrue(given().get("/q/metrics").asString().contains("secateur_model_version 3.0"));
    }

    /** One completion over HTTP, streamed or not: [model, text]. */
    String[] call(HttpClient http, boolean stream) throws Exception {
        String body = JSON.writeValueAsString(Map.of("model", "swap", "prompt", PROMPT, "max_tokens", 8,
                "temperature", 0, "stream", stream));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(completions).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
        }
        if (!stream) {
            JsonNode j = JSON.readTree(r.body());
            return new String[] {j.get("model").asText(), j.get("choices").get(0).get("text").asText()};
        }
        String model = null;
        StringBuilder text = new StringBuilder();
        boolean done = false;
        for (String line : r.body().split("\n")) {
            if (!line.startsWith("data: ")) {
                continue;
            }
            String data = line.substring(6);
            if (data.equals("[DONE]")) {
                done = true;
                continue;
            }
            JsonNode j = JSON.readTree(data);
            if (model != null && !model.equals(j.get("model").asText())) {
                throw new IllegalStateException("one stream named two versions: " + model + " and " + j.get("model"));
            }
            model = j.get("model").asText();
            text.append(j.get("choices").get(0).get("text").asText());
        }
        if (!done) {
            throw new IllegalStateException("stream did not end with [DONE]: " + r.body());
        }
        return new String[] {model, text.toString()};
    }

    @Test
    @Order(3)
    void reportComparesCurrentAndPreviousVersion() {
        given().get("/v1/models/swap/report").then().statusCode(200)
                .body("current.version", equalTo(3))
                .body("current.report.perplexity.after", equalTo(13.4f))
                .body("current.served.requests", greaterThan(0))
                .body("current.served.tokens_per_second", greaterThan(0f))
                .body("previous.version", equalTo(1))
                .body("previous.report.perplexity.after", equalTo(12.9f))
                .body("previous.served.requests", greaterThan(0))
                .body("previous.served.latency_p50_ms", greaterThan(0f));
    }

    @Test
    @Order(4)
    void rollbackNeedsTheTokenAndReturnsToThePreviousVersion() {
        given().post("/admin/models/swap/rollback").then().statusCode(401).body("error", org.hamcrest.Matchers.notNullValue());
        given().header("Authorization", "Bearer " + ServeTestResource.ADMIN_TOKEN).post("/admin/models/swap/rollback")
                .then().statusCode(200).body("version", equalTo(1)).body("served_as", equalTo("swap:1"));
        given().contentType("application/json").body(Map.of("model", "swap", "prompt", PROMPT, "max_tokens", 4))
                .post("/v1/completions").then().statusCode(200).body("model", equalTo("swap:1"));
        assertTrue(given().get("/q/metrics").asString().contains("secateur_model_swaps_total 2.0"));
    }
}
