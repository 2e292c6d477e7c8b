package dev.secateur.prune.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.events.CloudEvent;
import dev.secateur.events.CloudEventCodec;
import dev.secateur.events.EncodedEvent;
import dev.secateur.events.EventTypes;
import dev.secateur.json.Json;
import dev.secateur.model.DecoderWeights;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.store.Manifest;
import dev.secateur.store.ModelStore;
import dev.secateur.store.VersionStatus;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end against a real in-JVM Kafka broker and the real engine on a tiny Llama (GQA)
 * checkpoint: requests as CloudEvents on Kafka and over HTTP, events and the model store checked from
 * the outside.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(TestStoreResource.class)
class PruneServiceTest {

    /** The llama-gqa fixture with the test tokenizer beside it, as a real checkpoint folder has. */
    static final Path FIXTURE = fixtureWithTokenizer();
    static final Path TEXT = Path.of("src/test/resources/text/words.txt").toAbsolutePath();

    static Path fixtureWithTokenizer() {
        try {
            Path dir = Files.createDirectories(Path.of("target/test-data/llama-gqa").toAbsolutePath());
            Path src = dev.secateur.testsupport.Fixtures.dir("llama-gqa");
            for (String f : List.of("config.json", "model.safetensors")) {
                Files.copy(src.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Files.copy(dev.secateur.testsupport.Fixtures.dir("tokenizer.json"), dir.resolve("tokenizer.json"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return dir;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
    static final Duration WAIT = Duration.ofSeconds(90);
    static final String SOURCE = "/tests/prune-service";


    static EventLog log;

    @Inject
    PruneJobService service;

    @BeforeAll
    static void start() throws Exception {
        log = new EventLog(KafkaBrokerResource.bootstrapServers());
    }

    @AfterAll
    static void stop() throws Exception {
        log.close();
    }

    // ---------------------------------------------------------------- helpers

    static ObjectNode request(String outputModel) {
        ObjectNode r = Json.mapper().createObjectNode();
        r.putObject("source").put("path", FIXTURE.toString());
        r.put("method", "magnitude");
        r.put("ffnRatio", 0.25);
        r.put("calibration", TEXT.toString());
        r.put("samples", 4);
        r.put("seqLen", 16);
        r.put("outputModel", outputModel);
        return r;
    }

    static CloudEvent event(String id, JsonNode data) {
        return new CloudEvent(id, SOURCE, EventTypes.PRUNE_REQUESTED, CloudEvent.SPEC_VERSION, java.time.Instant.now(),
                CloudEvent.JSON, null, data);
    }

    /** Binary mode on Kafka: ce_* headers and the data as the value. */
    static String sendBinary(String id, JsonNode data) {
        EncodedEvent enc = CloudEventCodec.toKafkaBinary(event(id, data));
        log.send(id, enc.headers(), enc.body());
        return JobIds.of(SOURCE, id);
    }

    /** Binary mode with a raw, possibly broken, body. */
    static String sendBinaryRaw(String id, byte[] body) {
        EncodedEvent enc = CloudEventCodec.toKafkaBinary(event(id, null));
        log.send(id, enc.headers(), body);
        return JobIds.of(SOURCE, id);
    }

    static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static EventLog.Received awaitOutcome(String jobId, String type) {
        await().atMost(WAIT).until(() -> !log.forJob(jobId, type).isEmpty()
                || !log.forJob(jobId, EventTypes.PRUNE_FAILED).isEmpty());
        List<EventLog.Received> got = log.forJob(jobId, type);
        if (got.isEmpty()) {
            throw new AssertionError("expected " + type + " for job " + jobId + ", got failed: "
                    + log.forJob(jobId, EventTypes.PRUNE_FAILED).get(0).event().data());
        }
        return got.get(0);
    }

    static JsonNode awaitFailed(String jobId) {
        await().atMost(WAIT).until(() -> !log.forJob(jobId, EventTypes.PRUNE_FAILED).isEmpty());
        return log.forJob(jobId, EventTypes.PRUNE_FAILED).get(0).event().data();
    }

    /** Checks a completed event against the store: the version exists, verifies, and is the one announced. */
    void assertPublished(JsonNode completed, String model, String jobId) {
        ModelStore store = service.store();
        assertEquals(model, completed.get("model").asText());
        int version = completed.get("version").asInt();
        Manifest manifest = store.verify(model, version);
        assertEquals(VersionStatus.PUBLISHED, manifest.status());
        assertEquals(store.manifestSha256(model, version), completed.get("manifestSha256").asText());
        assertEquals(store.resolve(model, version).toString(), completed.get("location").asText());
        assertEquals(jobId, manifest.metadata().get("jobId"));
        assertEquals("decoder", manifest.kind());
        manifest.layerSizes().forEach(s -> assertEquals(72, s.ffn()));
        assertTrue(manifest.file("model.safetensors.index.json").isPresent() && manifest.file("model.onnx").isPresent()
                && manifest.file("report.json").isPresent()
                && manifest.file("plan.json").isPresent(), "files: " + manifest.files());
        JsonNode summary = completed.get("summary");
        assertTrue(summary.get("paramsAfter").asLong() < summary.get("paramsBefore").asLong(), summary.toString());
        // The pruned checkpoint is a real, loadable model with 75% of each FFN layer left (96 -> 72).
        DecoderWeights pruned = DecoderWeights.load(store.resolve(model, version));
        pruned.layerSizes().forEach(s -> assertEquals(72, s.ffn()));
        // ...and so is the servable ONNX graph, on ONNX Runtime (the store's manifest is checked by verify above).
        try (OrtDecoder onnx = OrtDecoder.open(store.resolve(model, version),
                new OrtDecoder.Options(1, ai.onnxruntime.OrtSession.SessionOptions.OptLevel.ALL_OPT, false, 0, false))) {
            onnx.layerSizes().forEach(s -> assertEquals(72, s.ffn()));
            float[][][] logits = onnx.logits(new long[][] {{1, 5, 9, 13}});
            assertEquals(4, logits[0].length);
            assertEquals(97, logits[0][0].length);
        }
    }

    long versionsOfJob(String model, String jobId) {
        ModelStore store = service.store();
        return store.versions(model).stream().filter(v -> jobId.equals(store.manifest(model, v).metadata().get("jobId"))).count();
    }

    // ---------------------------------------------------------------- Kafka

    @Test
    void kafkaBinaryRequestIsPrunedPublishedAndAnnounced() {
        long t0 = System.nanoTime();
        String jobId = sendBinary(id("bin"), request("gqa-bin"));
        EventLog.Received completed = awaitOutcome(jobId, EventTypes.PRUNE_COMPLETED);
        System.out.printf("TIMING kafka request -> completed event: %.0f ms%n", (completed.atNanos() - t0) / 1e6);

        List<EventLog.Received> events = log.forJob(jobId);
        assertEquals(EventTypes.PRUNE_STARTED, events.get(0).type(), "first event: " + events.get(0).type());
        assertTrue(events.stream().filter(e -> EventTypes.PRUNE_PROGRESS.equals(e.type())).count() >= 2, "progress events");
        assertEquals(EventTypes.PRUNE_COMPLETED, events.get(events.size() - 1).type());
        EventLog.Received progress = events.stream().filter(e -> EventTypes.PRUNE_PROGRESS.equals(e.type())).findFirst().orElseThrow();
        assertNotNull(progress.event().data().get("phase"));
        assertTrue(progress.event().data().get("percent").asInt() >= 0);
        // binary mode on the way out too
        assertEquals("1.0", completed.headers().get("ce_specversion"));
        assertEquals(jobId + ".completed", completed.headers().get("ce_id"));
        assertEquals(jobId, completed.headers().get("ce_subject"));
        assertPublished(completed.event().data(), "gqa-bin", jobId);
        assertEquals(1, versionsOfJob("gqa-bin", jobId));
    }

    @Test
    void aSparsityRequestOnKafkaPublishesASparseVersionAndABadOneNamesItsField() throws Exception {
        ObjectNode req = request("gqa-sparse");
        req.remove("ffnRatio");
        req.put("method", "sparsegpt").put("sparsity", 0.5).put("pattern", "2:4");
        String jobId = sendBinary(id("sparse"), req);
        ObjectNode bad = request("gqa-sparse-bad");
        bad.put("sparsity", 0.5); // with magnitude, a structured method
        String badId = sendBinary(id("sparse-bad"), bad);
        JsonNode completed = awaitOutcome(jobId, EventTypes.PRUNE_COMPLETED).event().data();
        int version = completed.get("version").asInt();
        Manifest manifest = service.store().verify("gqa-sparse", version);
        assertEquals(VersionStatus.PUBLISHED, manifest.status());
        assertTrue(manifest.file("model.onnx").isPresent() && manifest.file("report.json").isPresent(), "files: " + manifest.files());
        JsonNode summary = completed.get("summary");
        assertEquals(summary.get("paramsBefore").asLong(), summary.get("paramsAfter").asLong(), "weights are zeroed, not removed: " + summary);
        JsonNode report = Json.mapper().readTree(service.store().resolve("gqa-sparse", version).resolve("report.json").toFile());
        assertEquals(0.5, report.get("sparsity").get("linearSparsity").asDouble(), 1e-12, report.get("sparsity").toString());
        assertEquals("sparsity", awaitFailed(badId).path("field").asText(null));
    }

    @Test
    void miPipelineWithEvaluationPassesItsQualityGate() {
        ObjectNode req = request("gqa-mi");
        req.put("method", "mi").put("compensation", "lsq").put("headRatio", 0.5).put("seed", 3);
        req.put("eval", TEXT.toString()).put("evalSeqLen", 16);
        req.putObject("qualityGate").put("maxPerplexityRatio", 1000.0);
        long t0 = System.nanoTime();
        String jobId = sendBinary(id("mi"), req);
        EventLog.Received completed = awaitOutcome(jobId, EventTypes.PRUNE_COMPLETED);
        System.out.printf("TIMING kafka request -> completed event, mi+lsq+eval pipeline: %.0f ms%n", (completed.atNanos() - t0) / 1e6);
        JsonNode summary = completed.event().data().get("summary");
        assertTrue(summary.get("pplBefore").asDouble() > 1 && summary.get("pplAfter").asDouble() > 1, summary.toString());
        assertEquals(16, summary.get("evalSeqLen").asInt());
        List<String> phases = log.forJob(jobId, EventTypes.PRUNE_PROGRESS).stream()
                .map(e -> e.event().data().get("phase").asText()).distinct().toList();
        assertTrue(phases.containsAll(List.of("prune", "eval", "export")), phases.toString());
        int version = completed.event().data().get("version").asInt();
        Manifest manifest = service.store().verify("gqa-mi", version);
        assertEquals("pipeline", manifest.metadata().get("engine"));
        try (OrtDecoder onnx = OrtDecoder.open(service.store().resolve("gqa-mi", version),
                new OrtDecoder.Options(1, ai.onnxruntime.OrtSession.SessionOptions.OptLevel.ALL_OPT, false, 0, false))) {
            onnx.layerSizes().forEach(s -> {
                assertEquals(72, s.ffn());
                assertEquals(1, s.kvHeads());
            });
        }
    }

    @Test
    void structuredKafkaRequestFromAStoredModel() {
        ModelStore store = service.store();
        store.publish("llama-gqa-base", FIXTURE, Map.of("origin", "fixture"));
        ObjectNode req = request("gqa-from-store");
        req.putObject("source").put("model", "llama-gqa-base");
        String id = id("structured");
        EncodedEvent enc = CloudEventCodec.toStructured(event(id, req));
        log.send(id, enc.headers(), enc.body());
        String jobId = JobIds.of(SOURCE, id);
        EventLog.Received completed = awaitOutcome(jobId, EventTypes.PRUNE_COMPLETED);
        assertPublished(completed.event().data(), "gqa-from-store", jobId);
        assertEquals("llama-gqa-base", store.manifest("gqa-from-store", completed.event().data().get("version").asInt())
                .metadata().get("source"));
    }

    @Test
    void badRequestsFailNamingTheFieldAndTheConsumerKeepsServing() {
        Map<String, String> expectedField = new java.util.LinkedHashMap<>();
        expectedField.put(sendBinaryRaw(id("malformed"), "{\"source\": {\"path\": ".getBytes(StandardCharsets.UTF_8)), "data");
        ObjectNode missing = request("gqa-missing");
        missing.remove("outputModel");
        expectedField.put(sendBinary(id("missing-output"), missing), "outputModel");
        ObjectNode noSource = request("gqa-nosource");
        noSource.remove("source");
        expectedField.put(sendBinary(id("missing-source"), noSource), "source");
        expectedField.put(sendBinary(id("ratio"), request("gqa-ratio").put("ffnRatio", 1.5)), "ffnRatio");
        expectedField.put(sendBinary(id("method"), request("gqa-method").put("method", "prune-harder")), "method");
        ObjectNode unknownModel = request("gqa-unknown");
        unknownModel.putObject("source").put("model", "no-such-model");
        expectedField.put(sendBinary(id("unknown-model"), unknownModel), "source.model");
        ObjectNode missingPath = request("gqa-nopath");
        missingPath.putObject("source").put("path", "/nonexistent/checkpoint");
        expectedField.put(sendBinary(id("unknown-path"), missingPath), "source.path");
        expectedField.put(sendBinary(id("traversal"), request("../etc")), "outputModel");
        expectedField.put(sendBinary(id("calib"), request("gqa-calib").put("calibration", "/nonexistent/calib.txt")), "calibration");
        String valid = sendBinary(id("after-bad"), request("gqa-after-bad"));

        expectedField.forEach((jobId, field) -> {
            JsonNode failed = awaitFailed(jobId);
            assertEquals(field, failed.path("field").asText(null), "job " + jobId + ": " + failed);
            assertNotNull(failed.get("reason"));
            assertTrue(log.forJob(jobId, EventTypes.PRUNE_COMPLETED).isEmpty());
        });
        assertPublished(awaitOutcome(valid, EventTypes.PRUNE_COMPLETED).event().data(), "gqa-after-bad", valid);
        assertTrue(service.store().versions("gqa-ratio").isEmpty());
        assertTrue(!Files.exists(service.store().root().resolve("..").resolve("etc").resolve("1")));
    }

    @Test
    void unreadableRecordsGoToTheDeadLetterTopic() {
        String marker = id("garbage");
        log.send(marker, Map.of(), ("not a cloud event " + marker).getBytes(StandardCharsets.UTF_8));
        String structuredMarker = id("broken-structured");
        log.send(structuredMarker, Map.of("content-type", "application/cloudevents+json"),
                ("{\"specversion\": \"1.0\", \"id\": \"" + structuredMarker).getBytes(StandardCharsets.UTF_8));
        String valid = sendBinary(id("after-dlq"), request("gqa-after-dlq"));

        await().atMost(WAIT).until(() -> log.deadLetters().stream().filter(r -> marker.equals(r.key())).count() == 1
                && log.deadLetters().stream().filter(r -> structuredMarker.equals(r.key())).count() == 1);
        EventLog.Received dead = log.deadLetters().stream().filter(r -> marker.equals(r.key())).findFirst().orElseThrow();
        assertEquals("not a cloud event " + marker, new String(dead.value(), StandardCharsets.UTF_8));
        assertNotNull(dead.headers().get("dead-letter-reason"));
        assertPublished(awaitOutcome(valid, EventTypes.PRUNE_COMPLETED).event().data(), "gqa-after-dlq", valid);
    }

    @Test
    void redeliveredCompletedRequestPublishesNothingNew() {
        String id = id("redeliver");
        ObjectNode req = request("gqa-redeliver");
        String jobId = sendBinary(id, req);
        awaitOutcome(jobId, EventTypes.PRUNE_COMPLETED);
        int eventsBefore = log.forJob(jobId).size();

        sendBinary(id, req); // the same CloudEvent again, as after a rebalance before the commit
        String barrier = sendBinary(id("barrier"), request("gqa-barrier")); // one partition: handled after it
        awaitOutcome(barrier, EventTypes.PRUNE_COMPLETED);

        assertEquals(eventsBefore, log.forJob(jobId).size(), "no new events for the redelivered request");
        assertEquals(1, service.store().versions("gqa-redeliver").size());
        assertEquals(1, versionsOfJob("gqa-redeliver", jobId));
    }

    @Test
    void qualityGateThatCannotBeMetKeepsTheVersionAsRejected() {
        ObjectNode req = request("gqa-gated");
        req.putObject("qualityGate").put("maxPerplexityRatio", 1.5);
        String jobId = sendBinary(id("gated"), req);
        EventLog.Received rejected = awaitOutcome(jobId, EventTypes.PRUNE_REJECTED);
        JsonNode data = rejected.event().data();
        int version = data.get("version").asInt();
        ModelStore store = service.store();
        assertEquals(VersionStatus.REJECTED, store.verify("gqa-gated", version).status());
        assertTrue(store.latest("gqa-gated").isEmpty(), "a rejected version is never the one served");
        assertTrue(data.get("reason").asText().contains("perplexity"), data.toString());
        assertTrue(log.forJob(jobId, EventTypes.PRUNE_COMPLETED).isEmpty());
    }

    // ---------------------------------------------------------------- HTTP (Knative KafkaSource sink)

    @Test
    void httpBinaryRequestAnswers202AndRunsTheJob() {
        String id = id("http");
        EncodedEvent enc = CloudEventCodec.toHttpBinary(event(id, request("gqa-http")));
        long t0 = System.nanoTime();
        Response resp = given().headers(enc.headers()).body(enc.body()).post("/");
        long acceptedMs = (System.nanoTime() - t0) / 1_000_000;
        resp.then().statusCode(202).body("jobId", notNullValue()).body("duplicate", equalTo(false));
        String jobId = resp.jsonPath().getString("jobId");
        assertEquals(JobIds.of(SOURCE, id), jobId);

        EventLog.Received completed = awaitOutcome(jobId, EventTypes.PRUNE_COMPLETED);
        System.out.printf("TIMING http 202 in %d ms; request -> completed event: %.0f ms%n", acceptedMs,
                (completed.atNanos() - t0) / 1e6);
        assertPublished(completed.event().data(), "gqa-http", jobId);
        await().atMost(WAIT).untilAsserted(() -> given().get("/jobs/" + jobId).then().statusCode(200)
                .body("state", equalTo("COMPLETED")).body("percent", equalTo(100)).body("outcomePublished", equalTo(true)));
        given().get("/jobs").then().statusCode(200).body("jobId", org.hamcrest.Matchers.hasItem(jobId));

        // The same event again (a KafkaSource retry): same job, nothing new.
        given().headers(enc.headers()).body(enc.body()).post("/").then().statusCode(202)
                .body("jobId", equalTo(jobId)).body("duplicate", equalTo(true));
        assertEquals(1, service.store().versions("gqa-http").size());
    }

    @Test
    void httpStructuredRequestIsAccepted() {
        String id = id("http-structured");
        EncodedEvent enc = CloudEventCodec.toStructured(event(id, request("gqa-http-structured")));
        String jobId = given().contentType("application/cloudevents+json").body(enc.body()).post("/")
                .then().statusCode(202).extract().jsonPath().getString("jobId");
        assertPublished(awaitOutcome(jobId, EventTypes.PRUNE_COMPLETED).event().data(), "gqa-http-structured", jobId);
    }

    @Test
    void httpInvalidEventsGet4xxJson() {
        given().contentType(ContentType.JSON).body("{\"hello\": 1}").post("/")
                .then().statusCode(400).contentType(ContentType.JSON).body("error", notNullValue());
        EncodedEvent badRatio = CloudEventCodec.toHttpBinary(event(id("http-ratio"), request("gqa-http-ratio").put("ffnRatio", -0.1)));
        given().headers(badRatio.headers()).body(badRatio.body()).post("/")
                .then().statusCode(400).body("field", equalTo("ffnRatio")).body("jobId", notNullValue());
        CloudEvent wrongType = new CloudEvent(id("wrong-type"), SOURCE, EventTypes.PRUNE_COMPLETED, "1.0", null, null, null,
                request("gqa-wrong-type"));
        EncodedEvent wt = CloudEventCodec.toHttpBinary(wrongType);
        given().headers(wt.headers()).body(wt.body()).post("/").then().statusCode(400).body("error", notNullValue());
        given().get("/jobs/no-such-job").then().statusCode(404).body("error", notNullValue());
        assertNull(service.job("../../etc/passwd").orElse(null));
    }
}
