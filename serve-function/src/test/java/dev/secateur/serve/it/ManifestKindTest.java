package dev.secateur.serve.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.json.Json;
import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.onnx.ExportManifest;
import dev.secateur.runtime.ModelLoadException;
import dev.secateur.serve.engine.LoadedModel;
import dev.secateur.serve.engine.OrtEngineFactory;
import dev.secateur.serve.engine.RuntimeOptions;
import dev.secateur.serve.model.ModelLoader;
import dev.secateur.serve.model.ModelRegistry;
import dev.secateur.serve.model.StoreVersionSource;
import dev.secateur.serve.model.SwapListener;
import dev.secateur.serve.model.VersionValidator;
import dev.secateur.store.ModelStore;
import dev.secateur.store.StoredVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server takes a version's kind from its manifest.json: real exports, a real store, ONNX Runtime, the real
 * loader and validator (no Quarkus, no Kafka). A manifest that contradicts its graph is refused and the served
 * version stays.
 */
class ManifestKindTest {

    static final RuntimeOptions CPU = new RuntimeOptions(1, "basic", false);

    @TempDir
    Path tmp;

    @Test
    void eachKindOpensAsItsManifestSays() throws Exception {
        ModelStore store = new ModelStore(tmp.resolve("store"));
        StoredVersion decoder = TestModels.publish(store, "tiny", "llama-gqa", "{}");
        StoredVersion encoder = TestModels.publishMiniLm(store, "minilm");
        assertEquals(ExportManifest.DECODER, store.manifest("tiny", decoder.version()).kind());
        assertEquals(ExportManifest.ENCODER, store.manifest("minilm", encoder.version()).kind());

        OrtEngineFactory factory = new OrtEngineFactory();
        try (LoadedModel d = factory.open(decoder.directory(), CPU); LoadedModel e = factory.open(encoder.directory(), CPU)) {
            assertFalse(d.isEncoder());
            assertTrue(e.isEncoder());
        }
    }

    @Test
    void aDecoderWhoseManifestSaysEncoderIsRefusedAndTheServedVersionStays() throws Exception {
        ModelStore store = new ModelStore(tmp.resolve("store"));
        TestModels.publish(store, "swap", "llama-gqa", "{}");
        ModelRegistry registry = new ModelRegistry("swap", new ModelLoader(new StoreVersionSource(store), new OrtEngineFactory(), CPU,
                new VersionValidator()), SwapListener.NONE);
        try {
            assertTrue(registry.scan("startup"));
            assertEquals(1, registry.current().orElseThrow().version());

            Path staging = decoderFolder();
            relabel(staging, ExportManifest.ENCODER);
            StoredVersion wrong = store.publish("swap", staging, Map.of());
            assertEquals(ExportManifest.ENCODER, store.manifest("swap", wrong.version()).kind());

            assertFalse(registry.offer(wrong.version(), "event"));
            assertEquals(1, registry.current().orElseThrow().version());
            String error = registry.lastError().orElseThrow().message();
            assertTrue(error.contains("manifest.json says kind encoder but model.onnx is a decoder"), error);
        } finally {
            registry.close();
        }
    }

    @Test
    void anEncoderWhoseManifestSaysDecoderIsRefused() throws Exception {
        ModelStore store = new ModelStore(tmp.resolve("store"));
        Path dir = TestModels.publishMiniLm(store, "minilm").directory();
        Path relabelled = Files.createDirectories(tmp.resolve("relabelled"));
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.copy(f, relabelled.resolve(f.getFileName()));
            }
        }
        relabel(relabelled, ExportManifest.DECODER);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> new OrtEngineFactory().open(relabelled, CPU));
        assertTrue(e.getMessage().contains("manifest.json says kind decoder but model.onnx is an encoder"), e.getMessage());
    }

    /** A version published before manifests carried a kind is opened as its graph says. */
    @Test
    void aManifestWithoutAKindFallsBackToTheGraph() throws Exception {
        ModelStore store = new ModelStore(tmp.resolve("store"));
        Path staging = Files.createTempDirectory(Path.of("target"), "legacy");
        ArtifactWriter.writeEncoder(dev.secateur.onnx.OnnxImporter.importBert(miniLmOnnx()), staging,
                ArtifactWriter.Options.defaults(false).withTokenizer(miniLmTokenizer()));
        Files.delete(staging.resolve(ExportManifest.FILE));
        StoredVersion legacy = store.publish("legacy", staging, Map.of());
        assertNull(store.manifest("legacy", legacy.version()).kind());
        try (LoadedModel m = new OrtEngineFactory().open(legacy.directory(), CPU)) {
            assertTrue(m.isEncoder());
        }
    }

    private Path decoderFolder() throws IOException {
        Path hf = Files.createDirectories(tmp.resolve("hf"));
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(TestModels.FIXTURES.resolve("llama-gqa").resolve(f), hf.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        TestTokenizer.write(hf.resolve("tokenizer.json"));
        Path staging = tmp.resolve("staging");
        ArtifactWriter.writeFolder(hf, staging, ArtifactWriter.Options.defaults(false));
        return staging;
    }

    /** Rewrites the kind manifest.json records, leaving the graph as it is. */
    private static void relabel(Path dir, String kind) throws IOException {
        Path manifest = dir.resolve(ExportManifest.FILE);
        ObjectNode json = (ObjectNode) Json.mapper().readTree(manifest.toFile());
        json.put("kind", kind);
        Files.write(manifest, Json.toPrettyBytes(json));
    }

    private Path miniLmOnnx() throws IOException {
        return resource(TestModels.MINILM_ONNX);
    }

    private Path miniLmTokenizer() throws IOException {
        return resource(TestModels.MINILM_TOKENIZER);
    }

    private Path resource(String name) throws IOException {
        Path out = tmp.resolve(name);
        try (var in = ManifestKindTest.class.getResourceAsStream("/" + name)) {
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
        }
        return out;
    }
}
