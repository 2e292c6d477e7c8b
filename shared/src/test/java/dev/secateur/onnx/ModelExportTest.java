package dev.secateur.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.OnnxChecker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exported folder: files, manifest, metadata, external data, and clear failures. */
class ModelExportTest {
    @TempDir
    Path tmp;

    @Test
    void folderHasModelTokenizerManifestAndMetadata() throws Exception {
        Path src = Fixtures.copy("llama-gqa", tmp.resolve("src"));
        Files.writeString(src.resolve("tokenizer.json"), "{\"version\":\"1.0\"}");
        Path out = tmp.resolve("out");
        ExportManifest m = ArtifactWriter.writeFolder(src, out, ArtifactWriter.Options.defaults(false)
                .withMetadata(Map.of(ModelExport.PLAN, "{\"ffn\":[1,2]}")));

        assertEquals(Set.of("model.onnx", "tokenizer.json", "manifest.json"),
                Files.list(out).map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
        assertEquals("LlamaForCausalLM", m.architecture());
        assertEquals("float32", m.dtype());
        assertEquals(dev.secateur.model.DecoderWeights.load(src).parameterCount(), m.parameters());
        assertEquals(2, m.files().size());
        for (ExportManifest.FileEntry f : m.files()) {
            assertEquals(Files.size(out.resolve(f.path())), f.size());
            assertEquals(ExportManifest.sha256(out.resolve(f.path())), f.sha256());
        }
        assertEquals(m, ExportManifest.read(out));
        assertTrue(m.verify(out).isEmpty());

        try (OrtDecoder d = OrtDecoder.open(out)) {
            Map<String, String> md = d.metadata();
            assertEquals("decoder", md.get(ModelExport.KIND));
            assertEquals("LlamaForCausalLM", md.get(ModelExport.ARCHITECTURE));
            assertEquals("[{\"heads\":4,\"kvHeads\":2,\"ffn\":96},{\"heads\":4,\"kvHeads\":2,\"ffn\":96}]", md.get(ModelExport.LAYER_SIZES));
            assertEquals("8", md.get(ModelExport.HEAD_DIM));
            assertEquals("97", md.get(ModelExport.VOCAB_SIZE));
            assertEquals("128", md.get(ModelExport.MAX_POSITIONS));
            assertEquals("1", md.get(ModelExport.BOS_TOKEN_ID));
            assertEquals("2", md.get(ModelExport.EOS_TOKEN_ID));
            assertEquals("tokenizer.json", md.get(ModelExport.TOKENIZER));
            assertEquals("{\"ffn\":[1,2]}", md.get(ModelExport.PLAN));
            assertEquals(ModelExport.sourceSha256(src), md.get(ModelExport.SOURCE_SHA256));
            assertTrue(md.get(ModelExport.SOURCE_SHA256).matches("[0-9a-f]{64}"));
            assertEquals(2, d.eosTokenId());
            assertEquals(OrtDecoder.CPU, d.provider());
        }
        // A caller-supplied source hash wins.
        ArtifactWriter.writeFolder(src, out, ArtifactWriter.Options.defaults(false).withMetadata(Map.of(ModelExport.SOURCE_SHA256, "abc")));
        try (OrtDecoder d = OrtDecoder.open(out)) {
            assertEquals("abc", d.metadata().get(ModelExport.SOURCE_SHA256));
        }
        assertFalse(Files.list(out).anyMatch(p -> p.getFileName().toString().endsWith(".tmp")));
    }

    /** max_position_embeddings is the export's max positions, which OrtDecoder (and serve-function) enforce; a window does not shorten it. */
    @Test
    void maxPositionEmbeddingsIsTheExportsMaxPositions() throws Exception {
        Path out = tmp.resolve("mistral");
        ArtifactWriter.writeFolder(Fixtures.dir("mistral"), out, ArtifactWriter.Options.defaults(false));
        try (OrtDecoder d = OrtDecoder.open(out)) {
            assertEquals("MistralForCausalLM", d.metadata().get(ModelExport.ARCHITECTURE));
            assertEquals("128", d.metadata().get(ModelExport.MAX_POSITIONS));
            assertEquals(128, d.maxPositions());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> d.generate(new int[128], dev.secateur.runtime.SamplingParams.greedy(4), t -> true));
            assertTrue(e.getMessage().contains("128 positions"), e.getMessage());
        }
    }

    @Test
    void largeModelsUseAnExternalDataFile() throws Exception {
        Path out = tmp.resolve("ext");
        Fixtures.Expected exp = Fixtures.expected("qwen2");
        ExportManifest m = ArtifactWriter.writeFolder(Fixtures.dir("qwen2"), out, ArtifactWriter.Options.defaults(false)
                .withExternalDataAbove(10_000));
        Path data = out.resolve("model.onnx.data");
        assertTrue(Files.isRegularFile(data));
        assertTrue(m.files().stream().anyMatch(f -> f.path().equals("model.onnx.data")));
        assertTrue(Files.size(out.resolve("model.onnx")) < Files.size(data) / 4,
                "weights should live in the data file: model " + Files.size(out.resolve("model.onnx")) + " data " + Files.size(data));
        try (OrtDecoder d = OrtDecoder.open(out)) {
            assertTrue(Fixtures.maxAbsDiff(d.logits(exp.inputIds()), exp.logits()) <= 1e-4);
        }
        OnnxChecker.checkIfAvailable(out.resolve("model.onnx"));

        // Re-exporting inline into the same folder removes the stale data file.
        ExportManifest inline = ArtifactWriter.writeFolder(Fixtures.dir("qwen2"), out, ArtifactWriter.Options.defaults(false));
        assertFalse(Files.exists(data));
        assertEquals(1, inline.files().size());
        try (OrtDecoder d = OrtDecoder.open(out)) {
            assertTrue(Fixtures.maxAbsDiff(d.logits(exp.inputIds()), exp.logits()) <= 1e-4);
        }
    }

    @Test
    void unsupportedArchitectureIsAClearError() throws Exception {
        // (BertModel, this test's first example, is now read as an encoder: see EncoderOnnxExporter)
        Path src = Fixtures.copy("llama-gqa", tmp.resolve("t5"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(src.resolve("config.json").toFile());
        cfg.putArray("architectures").add("T5ForConditionalGeneration");
        json.writeValue(src.resolve("config.json").toFile(), cfg);
        OnnxExportException e = assertThrows(OnnxExportException.class,
                () -> ArtifactWriter.writeFolder(src, tmp.resolve("out"), ArtifactWriter.Options.defaults(false)));
        assertTrue(e.getMessage().contains("T5ForConditionalGeneration") && e.getMessage().contains("LlamaForCausalLM"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("out").resolve("model.onnx")));
    }

    @Test
    void unwritableOutputFolderIsAClearError() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        OnnxExportException e = assertThrows(OnnxExportException.class,
                () -> ArtifactWriter.writeFolder(Fixtures.dir("gpt2"), file.resolve("out"), ArtifactWriter.Options.defaults(false)));
        assertTrue(e.getMessage().contains("output folder") && e.getMessage().contains("not-a-dir"), e.getMessage());
    }

    @Test
    void readOnlyOutputFolderIsAClearError() throws Exception {
        Assumptions.assumeFalse("root".equals(System.getProperty("user.name")), "root can write into read-only folders");
        Path ro = Files.createDirectory(tmp.resolve("ro"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            OnnxExportException e = assertThrows(OnnxExportException.class,
                    () -> ArtifactWriter.writeFolder(Fixtures.dir("gpt2"), ro, ArtifactWriter.Options.defaults(false)));
            assertTrue(e.getMessage().contains(ro.toString()), e.getMessage());
        } finally {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
