package dev.secateur.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.model.DecoderWeights;
import dev.secateur.model.EncoderWeights;
import dev.secateur.model.TinyBert;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.runtime.OrtEncoder;
import dev.secateur.store.Manifest;
import dev.secateur.store.ModelStore;
import dev.secateur.store.StoredVersion;
import dev.secateur.tokenizer.SentenceTokenizer;
import dev.secateur.testsupport.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The servable folder of each kind, written from weights in memory, read back by ONNX Runtime and by the store. */
class ArtifactWriterTest {

    @TempDir
    Path tmp;

    @Test
    void decoderFolderRoundTrips() throws Exception {
        DecoderWeights w = DecoderWeights.load(Fixtures.dir("llama-gqa"));
        Path plan = Files.writeString(tmp.resolve("plan.json"), "{\"ffn\":[]}");
        Path out = tmp.resolve("decoder");
        ExportManifest m = ArtifactWriter.writeDecoder(w, out, ArtifactWriter.Options.defaults(false)
                .withCheckpoint(ArtifactWriter.Checkpoint.WRITE).withTokenizer(Fixtures.dir("tokenizer.json"))
                .withExtraFiles(List.of(plan)).withMetadata(Map.of(ModelExport.PLAN, "{\"ffn\":[]}")));

        assertEquals(Set.of("config.json", "model.safetensors", "model.onnx", "tokenizer.json", "plan.json", "manifest.json"), names(out));
        assertEquals(ExportManifest.FORMAT, m.format());
        assertEquals(ExportManifest.DECODER, m.kind());
        assertEquals("LlamaForCausalLM", m.architecture());
        assertEquals("float32", m.dtype());
        assertEquals(w.parameterCount(), m.parameters());
        assertEquals(w.layerSizes(), m.layerSizes());
        assertListsEveryFile(m, out);
        assertEquals(m, ExportManifest.read(out));
        assertTrue(m.verify(out).isEmpty());
        assertNoStagingLeft();

        Fixtures.Expected exp = Fixtures.expected("llama-gqa");
        try (OrtDecoder d = OrtDecoder.open(out)) {
            assertEquals(ExportManifest.DECODER, d.metadata().get(ModelExport.KIND));
            assertEquals("{\"ffn\":[]}", d.metadata().get(ModelExport.PLAN));
            assertTrue(Fixtures.maxAbsDiff(d.logits(exp.inputIds()), exp.logits()) <= 1e-4);
        }
        assertEquals(w.layerSizes(), DecoderWeights.load(out).layerSizes());
    }

    @Test
    void encoderFolderRoundTrips() throws Exception {
        EncoderWeights w = TinyBert.random(3, 50, 16, 4, new int[] {4, 2}, new int[] {32, 12}, 24);
        Path out = tmp.resolve("encoder");
        ExportManifest m = ArtifactWriter.writeEncoder(w, out, ArtifactWriter.Options.defaults(false)
                .withCheckpoint(ArtifactWriter.Checkpoint.WRITE));

        assertEquals(Set.of("config.json", "model.safetensors", "model.onnx", "manifest.json"), names(out));
        assertEquals(ExportManifest.ENCODER, m.kind());
        assertEquals("BertModel", m.architecture());
        assertEquals("float32", m.dtype());
        assertEquals(w.parameterCount(), m.parameters());
        assertEquals(w.layerSizes(), m.layerSizes());
        assertListsEveryFile(m, out);
        assertTrue(ExportManifest.read(out).verify(out).isEmpty());
        assertNoStagingLeft();

        try (OrtEncoder e = OrtEncoder.open(out.resolve(ModelExport.MODEL_FILE))) {
            assertEquals(ExportManifest.ENCODER, e.metadata().get(ModelExport.KIND));
            OrtEncoder.Result r = e.run(new SentenceTokenizer.Batch(1, 3, new long[] {1, 5, 2}, new long[] {1, 1, 1}, new long[3]));
            assertEquals(16, r.sentenceEmbeddings()[0].length);
        }
        assertEquals(w.layerSizes(), EncoderWeights.load(out).layerSizes());
    }

    /** A pruner's folder: the checkpoint is already there, the graph is added and the manifest covers both. */
    @Test
    void inPlaceCheckpointIsListedAndCopiedOneIsByteForByte() throws Exception {
        Path work = Fixtures.copy("llama-gqa", tmp.resolve("work"));
        Files.writeString(work.resolve("plan.json"), "{}");
        ExportManifest m = ArtifactWriter.writeFolder(work, work, ArtifactWriter.Options.defaults(false)
                .withCheckpoint(ArtifactWriter.Checkpoint.IN_PLACE));
        assertTrue(m.files().stream().anyMatch(f -> f.path().equals("model.safetensors")));
        assertTrue(m.files().stream().anyMatch(f -> f.path().equals("plan.json")));
        assertListsEveryFile(m, work);

        Path published = tmp.resolve("copied");
        ArtifactWriter.writeFolder(Fixtures.dir("llama-gqa"), published, ArtifactWriter.Options.defaults(false)
                .withCheckpoint(ArtifactWriter.Checkpoint.COPY));
        assertArrayEquals(Files.readAllBytes(Fixtures.dir("llama-gqa").resolve("model.safetensors")),
                Files.readAllBytes(published.resolve("model.safetensors")));
    }

    /** The store keeps the export's description in the version's one manifest.json, where the server reads the kind. */
    @Test
    void storeManifestCarriesTheKind() throws Exception {
        EncoderWeights w = TinyBert.random(4, 40, 16, 4, 2, 2, 16);
        Path staging = tmp.resolve("staging");
        ArtifactWriter.writeEncoder(w, staging, ArtifactWriter.Options.defaults(false).withCheckpoint(ArtifactWriter.Checkpoint.WRITE));
        Files.writeString(staging.resolve("report.json"), "{}");
        ModelStore store = new ModelStore(tmp.resolve("store"));
        StoredVersion v = store.publish("enc", staging, Map.of(), dev.secateur.store.VersionStatus.PUBLISHED, ModelStore.Transfer.MOVE);

        Manifest stored = store.verify("enc", v.version());
        assertEquals(ExportManifest.ENCODER, stored.kind());
        assertEquals("BertModel", stored.architecture());
        assertEquals(w.layerSizes(), stored.layerSizes());
        assertTrue(stored.file("report.json").isPresent());
        assertEquals(ExportManifest.ENCODER, ExportManifest.read(v.directory()).kind());
    }

    private static void assertListsEveryFile(ExportManifest m, Path dir) throws Exception {
        Set<String> listed = m.files().stream().map(ExportManifest.FileEntry::path).collect(Collectors.toSet());
        Set<String> present = names(dir);
        present.remove(ExportManifest.FILE);
        assertEquals(present, listed);
    }

    private void assertNoStagingLeft() throws Exception {
        try (Stream<Path> s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".staging-")), "a staging folder was left behind");
        }
    }

    private static Set<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
