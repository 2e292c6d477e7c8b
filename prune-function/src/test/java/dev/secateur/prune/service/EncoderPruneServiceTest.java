package dev.secateur.prune.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.embedding.Fidelity;
import dev.secateur.events.CloudEvent;
import dev.secateur.events.CloudEventCodec;
import dev.secateur.events.EncodedEvent;
import dev.secateur.events.EventTypes;
import dev.secateur.json.Json;
import dev.secateur.model.EncoderWeights;
import dev.secateur.prune.calibration.Sentences;
import dev.secateur.prune.encoder.MiniLm;
import dev.secateur.runtime.OrtEncoder;
import dev.secateur.store.Manifest;
import dev.secateur.store.ModelStore;
import dev.secateur.store.VersionStatus;
import dev.secateur.tokenizer.SentenceTokenizer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An imported BERT (the real all-MiniLM-L6-v2 from its Maven jar) pruned by the Kafka service through the same engine,
 * store and events as a decoder, and the published version opened the way serve-function opens an encoder version
 * (model.onnx with secateur.kind=encoder on ONNX Runtime, tokenizer.json beside it): its embeddings on ONNX Runtime
 * are the ones the engine measured.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(TestStoreResource.class)
class EncoderPruneServiceTest {
    static final Duration WAIT = Duration.ofSeconds(240);

    static EventLog log;

    @Inject
    PruneJobService service;

    @BeforeAll
    static void start() {
        log = new EventLog(KafkaBrokerResource.bootstrapServers());
    }

    @AfterAll
    static void stop() throws Exception {
        log.close();
    }

    static ObjectNode request(String outputModel) {
        ObjectNode r = Json.mapper().createObjectNode();
        r.putObject("source").put("path", MiniLm.folder().toString());
        r.put("method", "wanda-sp").put("compensation", "lsq").put("ffnRatio", 0.3).put("headRatio", 0.25);
        r.put("calibration", MiniLm.calibration().toString()).put("eval", MiniLm.heldOut().toString());
        r.put("samples", 64).put("seqLen", 128).put("outputModel", outputModel);
        return r;
    }

    static String send(ObjectNode data) {
        String id = "encoder-" + UUID.randomUUID().toString().substring(0, 8);
        CloudEvent ev = new CloudEvent(id, PruneServiceTest.SOURCE, EventTypes.PRUNE_REQUESTED, CloudEvent.SPEC_VERSION, Instant.now(),
                CloudEvent.JSON, null, data);
        EncodedEvent enc = CloudEventCodec.toKafkaBinary(ev);
        log.send(id, enc.headers(), enc.body());
        return JobIds.of(PruneServiceTest.SOURCE, id);
    }

    static JsonNode awaitOutcome(String jobId) {
        await().atMost(WAIT).until(() -> !log.forJob(jobId, EventTypes.PRUNE_COMPLETED).isEmpty()
                || !log.forJob(jobId, EventTypes.PRUNE_FAILED).isEmpty());
        List<EventLog.Received> failed = log.forJob(jobId, EventTypes.PRUNE_FAILED);
        if (!failed.isEmpty()) {
            return failed.get(0).event().data();
        }
        return log.forJob(jobId, EventTypes.PRUNE_COMPLETED).get(0).event().data();
    }

    @Test
    void aMiniLmPruneRequestOnKafkaPublishesAnEncoderServeFunctionCanLoad() throws Exception {
        long t0 = System.nanoTime();
        String jobId = send(request("minilm-pruned"));
        JsonNode completed = awaitOutcome(jobId);
        System.out.printf("TIMING kafka request -> completed event, MiniLM wanda-sp + lsq + fidelity: %.0f ms%n", (System.nanoTime() - t0) / 1e6);
        assertTrue(completed.has("version"), "completed, not failed: " + completed);
        List<String> phases = log.forJob(jobId, EventTypes.PRUNE_PROGRESS).stream().map(e -> e.event().data().get("phase").asText())
                .distinct().toList();
        assertTrue(phases.containsAll(List.of("prune", "eval", "export")), phases.toString());
        JsonNode summary = completed.get("summary");
        assertTrue(summary.get("paramsAfter").asLong() < summary.get("paramsBefore").asLong(), summary.toString());
        assertTrue(summary.path("pplBefore").isNull() || summary.path("pplBefore").isMissingNode(), "an encoder has no perplexity: " + summary);

        ModelStore store = service.store();
        int version = completed.get("version").asInt();
        Manifest manifest = store.verify("minilm-pruned", version);
        assertEquals(VersionStatus.PUBLISHED, manifest.status());
        assertEquals(jobId, manifest.metadata().get("jobId"));
        assertEquals("pipeline", manifest.metadata().get("engine"));
        // the export's description, carried into the version's one manifest: the server reads the kind from it
        assertEquals("encoder", manifest.kind());
        assertEquals("BertModel", manifest.architecture());
        manifest.layerSizes().forEach(s -> assertEquals(1075, s.ffn()));
        for (String f : List.of("model.onnx", "tokenizer.json", "manifest.json", "report.json", "plan.json", "config.json", "model.safetensors")) {
            assertTrue(f.equals("manifest.json") ? Files.isRegularFile(store.resolve("minilm-pruned", version).resolve(f))
                    : manifest.file(f).isPresent(), f + " in " + manifest.files());
        }
        Path dir = store.resolve("minilm-pruned", version);
        JsonNode report = Json.mapper().readTree(dir.resolve("report.json").toFile());
        assertEquals("encoder", report.get("kind").asText());
        assertEquals(99, report.get("evalSentences").asInt());
        double reportedCosine = report.get("meanCosine").asDouble();
        assertTrue(reportedCosine > 0.85, report.toString());
        EncoderWeights pruned = EncoderWeights.load(dir);
        pruned.layerSizes().forEach(s -> {
            assertEquals(9, s.heads());
            assertEquals(1075, s.ffn());
        });

        // What serve-function's OrtEngineFactory does with a version whose model.onnx says secateur.kind=encoder
        List<String> held = Sentences.read(MiniLm.heldOut());
        try (OrtEncoder served = OrtEncoder.open(dir.resolve("model.onnx"), 1, false);
                SentenceTokenizer tok = SentenceTokenizer.load(dir.resolve("tokenizer.json"));
                OrtEncoder original = OrtEncoder.open(MiniLm.file(MiniLm.ONNX))) {
            assertEquals("encoder", served.metadata().get("secateur.kind"));
            assertEquals("BertModel", served.metadata().get("secateur.architecture"));
            assertTrue(served.pooledInGraph());
            SentenceTokenizer.Batch batch = tok.batch(held, 512);
            Fidelity onOrt = Fidelity.of(original.run(batch).sentenceEmbeddings(), served.run(batch).sentenceEmbeddings());
            // the served graph is the model the engine evaluated: the same fidelity on ONNX Runtime as in the engine's DJL pass
            assertEquals(reportedCosine, onOrt.meanCosine(), 1e-4, "ORT " + onOrt + " vs report " + report);
            assertEquals(report.get("recallAt1").asDouble(), onOrt.recallAt1(), 0.011);
        }
    }

    @Test
    void whatAnEncoderCannotDoIsRefusedNamingTheField() {
        String taylor = send(request("minilm-taylor").put("method", "taylor"));
        ObjectNode gated = request("minilm-gated");
        gated.putObject("qualityGate").put("maxPerplexityRatio", 1.5);
        String gate = send(gated);
        String fp16 = send(request("minilm-fp16").put("export", "fp16"));
        String fusion = send(request("minilm-fusion").put("method", "fusion"));
        assertEquals("method", awaitOutcome(taylor).path("field").asText());
        assertEquals("method", awaitOutcome(fusion).path("field").asText());
        assertTrue(awaitOutcome(fusion).path("reason").asText().contains("fusion needs a language-model loss"), awaitOutcome(fusion).toString());
        assertEquals("qualityGate", awaitOutcome(gate).path("field").asText());
        assertEquals("export", awaitOutcome(fp16).path("field").asText());
        assertTrue(service.store().versions("minilm-taylor").isEmpty() && service.store().versions("minilm-gated").isEmpty()
                && service.store().versions("minilm-fp16").isEmpty() && service.store().versions("minilm-fusion").isEmpty());
    }
}
