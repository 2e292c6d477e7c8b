package dev.secateur.prune.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.events.CloudEvent;
import dev.secateur.events.CloudEventCodec;
import dev.secateur.events.EncodedEvent;
import dev.secateur.events.EventTypes;
import dev.secateur.events.Topics;
import dev.secateur.prune.inputs.Datasets;
import dev.secateur.prune.inputs.PathSandbox;
import dev.secateur.prune.job.PipelineJobRunner;
import dev.secateur.store.ModelStore;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.secateur.prune.service.PruneServiceTest.awaitFailed;
import static dev.secateur.prune.service.PruneServiceTest.awaitOutcome;
import static dev.secateur.prune.service.PruneServiceTest.event;
import static dev.secateur.prune.service.PruneServiceTest.id;
import static dev.secateur.prune.service.PruneServiceTest.request;
import static dev.secateur.prune.service.PruneServiceTest.sendBinary;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attacks of issue 18 against the running service with a token configured: HTTP on its real port, Kafka
 * on the in-JVM broker. Also a second replica, the plain-Java job core on the same store with its own Kafka
 * consumer and producer, receiving the same request as this app.
 */
@QuarkusTest
@TestProfile(SecurityAndReplicasTest.WithToken.class)
class SecurityAndReplicasTest {

    static final String TOKEN = "s3cret-token-for-tests";
    static final Path TEST_DATA = Path.of("target/test-data").toAbsolutePath();

    public static class WithToken implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("secateur.security.api-token", TOKEN);
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KafkaBrokerResource.class), new TestResourceEntry(TestStoreResource.class));
        }
    }

    static EventLog log;

    @Inject
    PruneJobService service;

    @BeforeAll
    static void start() throws Exception {
        log = new EventLog(KafkaBrokerResource.bootstrapServers());
        PruneServiceTest.log = log; // the helpers read events through it
        Files.createDirectories(TEST_DATA);
        link(TEST_DATA.resolve("escape.txt"), Path.of("/etc/passwd"));
        link(TEST_DATA.resolve("etc"), Path.of("/etc"));
    }

    @AfterAll
    static void stop() throws Exception {
        log.close();
    }

    static void link(Path link, Path target) throws Exception {
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, target);
    }

    static EncodedEvent http(String id, JsonNode data) {
        return CloudEventCodec.toHttpBinary(event(id, data));
    }

    // ---------------------------------------------------------------- paths

    record Attack(String field, ObjectNode request) {
    }

    /** Each one reads a file outside the allowed folders, one way or another. */
    static List<Attack> attacks() {
        ObjectNode outsideSource = request("atk-source");
        outsideSource.putObject("source").put("path", "/etc");
        ObjectNode linkedSource = request("atk-source-link");
        linkedSource.putObject("source").put("path", TEST_DATA.resolve("etc").toString());
        return List.of(
                new Attack("calibration", request("atk-passwd").put("calibration", "/etc/passwd")),
                new Attack("eval", request("atk-eval").put("eval", "/etc/hostname")),
                new Attack("calibration", request("atk-symlink").put("calibration", TEST_DATA.resolve("escape.txt").toString())),
                new Attack("calibration", request("atk-dotdot").put("calibration", "target/test-data/../../../../../../../../etc/passwd")),
                new Attack("calibration", request("atk-dotdot-src").put("calibration", "src/test/resources/text/../../../../pom.xml")),
                new Attack("calibration", request("atk-missing").put("calibration", "/etc/no-such-file")),
                new Attack("source.path", outsideSource),
                new Attack("source.path", linkedSource));
    }

    @Test
    void pathsOutsideTheRootsAreRefusedOverHttpWithOneMessageAndNothingPublished() {
        attacks().forEach(attack -> {
            ObjectNode req = attack.request();
            EncodedEvent enc = http(id("http-atk"), req);
            Response r = given().auth().oauth2(TOKEN).headers(enc.headers()).body(enc.body()).post("/");
            r.then().statusCode(400).body("field", equalTo(attack.field())).body("error", equalTo(PathSandbox.REFUSED));
            String jobId = r.jsonPath().getString("jobId");
            JsonNode failed = awaitFailed(jobId);
            assertEquals(PathSandbox.REFUSED, failed.get("reason").asText(), failed.toString());
            assertTrue(log.forJob(jobId, EventTypes.PRUNE_STARTED).isEmpty());
            assertTrue(service.store().versions(req.get("outputModel").asText()).isEmpty());
        });
    }

    @Test
    void pathsOutsideTheRootsAreRefusedOverKafkaWithOneMessageAndNothingPublished() {
        Map<String, String> jobs = new LinkedHashMap<>();
        attacks().forEach(attack -> jobs.put(sendBinary(id("kafka-atk"), attack.request()), attack.field()));
        String valid = sendBinary(id("kafka-after-atk"), request("atk-after"));
        jobs.forEach((jobId, field) -> {
            JsonNode failed = awaitFailed(jobId);
            assertEquals(field, failed.get("field").asText(), failed.toString());
            assertEquals(PathSandbox.REFUSED, failed.get("reason").asText(), failed.toString());
            assertTrue(log.forJob(jobId, EventTypes.PRUNE_COMPLETED).isEmpty());
        });
        awaitOutcome(valid, EventTypes.PRUNE_COMPLETED);
        for (Attack attack : attacks()) {
            assertTrue(service.store().versions(attack.request().get("outputModel").asText()).isEmpty());
        }
    }

    @Test
    void aStoredDatasetNeedsNoPathAtAll() throws Exception {
        new Datasets(service.store().root()).upload("words", PruneServiceTest.TEXT);
        ObjectNode req = request("gqa-dataset");
        req.putObject("calibration").put("dataset", "words");
        req.putObject("eval").put("dataset", "words");
        req.put("evalSeqLen", 16);
        EncodedEvent enc = http(id("dataset"), req);
        String jobId = given().auth().oauth2(TOKEN).headers(enc.headers()).body(enc.body()).post("/")
                .then().statusCode(202).extract().jsonPath().getString("jobId");
        JsonNode completed = awaitOutcome(jobId, EventTypes.PRUNE_COMPLETED).event().data();
        assertTrue(completed.get("summary").get("pplBefore").asDouble() > 1, completed.toString());

        ObjectNode missing = request("gqa-no-dataset");
        missing.putObject("calibration").put("dataset", "nope");
        EncodedEvent bad = http(id("dataset-missing"), missing);
        given().auth().oauth2(TOKEN).headers(bad.headers()).body(bad.body()).post("/")
                .then().statusCode(400).body("field", equalTo("calibration.dataset"));
    }

    // ---------------------------------------------------------------- token

    @Test
    void everyEndpointWantsTheToken() {
        EncodedEvent enc = http(id("no-token"), request("gqa-no-token"));
        for (String auth : new String[] {null, "Bearer wrong", "Bearer " + TOKEN + "x", "Basic " + TOKEN, "Bearer "}) {
            var spec = given().headers(enc.headers()).body(enc.body());
            if (auth != null) {
                spec.header("Authorization", auth);
            }
            spec.post("/").then().statusCode(401).header("WWW-Authenticate", org.hamcrest.Matchers.startsWith("Bearer"));
            var get = given();
            if (auth != null) {
                get.header("Authorization", auth);
            }
            get.get("/jobs").then().statusCode(401);
            given().header("Authorization", auth == null ? "" : auth).get("/jobs/anything").then().statusCode(401);
        }
        assertTrue(service.store().versions("gqa-no-token").isEmpty());
        given().auth().oauth2(TOKEN).get("/jobs").then().statusCode(200);
        given().auth().oauth2(TOKEN).get("/jobs/no-such-job").then().statusCode(404);
        given().get("/q/health/ready").then().statusCode(200); // probes need no token
    }

    // ---------------------------------------------------------------- replicas and metrics

    /** Publishes a core's events to the real broker, as KafkaEventPublisher does for the app. */
    static final class BrokerPublisher implements EventPublisher, AutoCloseable {
        final KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerResource.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());

        @Override
        public CompletionStage<Void> publish(CloudEvent event, String key) {
            EncodedEvent enc = CloudEventCodec.toKafkaBinary(event);
            ProducerRecord<String, byte[]> rec = new ProducerRecord<>(Topics.PRUNE_EVENTS, key, enc.body());
            enc.headerBytes().forEach((k, v) -> rec.headers().add(k, v));
            CompletableFuture<Void> sent = new CompletableFuture<>();
            producer.send(rec, (md, e) -> {
                if (e == null) {
                    sent.complete(null);
                } else {
                    sent.completeExceptionally(e);
                }
            });
            return sent;
        }

        @Override
        public void close() {
            producer.close();
        }
    }

    @Test
    void twoReplicasOnOneStoreGivenTheSameRequestByHttpAndKafkaPublishOneVersion() throws Exception {
        List<PruneJobService.Submission> atB = new CopyOnWriteArrayList<>();
        PruneJobService.Settings s = ReplicasOnOneStoreTest.settings("replica-b", Duration.ofSeconds(60));
        PruneJobService.Settings settingsB = new PruneJobService.Settings(1, 4, "cpu", "/secateur/prune-function",
                List.of(TEST_DATA), List.of(PruneServiceTest.TEXT.getParent()), RequestDefaults.NONE, s.progressInterval(), s.claims());
        try (BrokerPublisher publisher = new BrokerPublisher();
             PruneJobService replicaB = new PruneJobService(new ModelStore(TestStoreResource.root()), new PipelineJobRunner(),
                     publisher, settingsB);
             KafkaConsumer<String, byte[]> consumerB = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerResource.bootstrapServers(),
                     ConsumerConfig.GROUP_ID_CONFIG, "replica-b"), new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition requests = new TopicPartition(Topics.PRUNE_REQUESTS, 0);
            consumerB.assign(List.of(requests));
            consumerB.seekToEnd(List.of(requests));
            consumerB.position(requests); // resolves the seek now, so the record below is after it

            String id = id("replicas");
            ObjectNode req = request("gqa-replicas");
            EncodedEvent kafka = CloudEventCodec.toKafkaBinary(event(id, req));
            EncodedEvent http = http(id, req);
            log.send(id, kafka.headers(), kafka.body()); // both this app's consumer and replica B's get it
            Response atA = given().auth().oauth2(TOKEN).headers(http.headers()).body(http.body()).post("/");
            atA.then().statusCode(202);
            String jobId = atA.jsonPath().getString("jobId");

            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (atB.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumerB.poll(Duration.ofMillis(100))) {
                    Map<String, String> headers = new LinkedHashMap<>();
                    for (Header h : r.headers()) {
                        headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
                    }
                    atB.add(replicaB.submit(IncomingRequest.decode(headers, r.value())));
                }
            }
            assertEquals(1, atB.size(), "replica B received the request");
            awaitOutcome(jobId, EventTypes.PRUNE_COMPLETED);
            atB.get(0).done().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
            Thread.sleep(1500); // time for a second, wrong, completed event to show up

            assertEquals(1, log.forJob(jobId, EventTypes.PRUNE_COMPLETED).size());
            assertEquals(1, log.forJob(jobId, EventTypes.PRUNE_STARTED).size(), "the job ran once");
            assertEquals(List.of(1), service.store().versions("gqa-replicas"));
            boolean httpDuplicate = atA.jsonPath().getBoolean("duplicate");
            assertTrue(httpDuplicate || atB.get(0).duplicate(), "the replica that lost says duplicate");
        }
    }

    @Test
    void metricsAndReadinessAfterAJob() {
        EncodedEvent enc = http(id("metrics"), request("gqa-metrics"));
        String jobId = given().auth().oauth2(TOKEN).headers(enc.headers()).body(enc.body()).post("/")
                .then().statusCode(202).extract().jsonPath().getString("jobId");
        awaitOutcome(jobId, EventTypes.PRUNE_COMPLETED);
        EncodedEvent bad = http(id("metrics-bad"), request("gqa-metrics-bad").put("calibration", "/etc/passwd"));
        given().auth().oauth2(TOKEN).headers(bad.headers()).body(bad.body()).post("/").then().statusCode(400);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertTrue(counter(metrics, "secateur_prune_jobs_total{state=\"completed\"}") >= 1, metrics);
            assertTrue(counter(metrics, "secateur_prune_jobs_total{state=\"queued\"}") >= 1, metrics);
            assertTrue(counter(metrics, "secateur_prune_failures_total{reason=\"calibration\"}") >= 1, metrics);
            assertTrue(counter(metrics, "secateur_prune_phase_seconds_count{phase=\"export\"}") >= 1, metrics);
            assertTrue(metrics.contains("secateur_prune_queue_depth "), metrics);
            assertTrue(metrics.contains("secateur_prune_jobs_running "), metrics);
        });
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'prune-workers' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'prune-workers' }.data.maxPending", equalTo(4));
    }

    /** The value of one Prometheus sample line, 0 when absent. */
    static double counter(String exposition, String series) {
        return exposition.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim())).orElse(0.0);
    }
}
