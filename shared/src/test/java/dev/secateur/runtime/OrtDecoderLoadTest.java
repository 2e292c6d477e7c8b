package dev.secateur.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.testsupport.Fixtures;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading exported folders: integrity checks, corrupt files, provider fallback. */
class OrtDecoderLoadTest {
    @TempDir
    Path tmp;

    private Path exported() {
        Path out = tmp.resolve("model");
        ArtifactWriter.writeFolder(Fixtures.dir("llama-gqa"), out, ArtifactWriter.Options.defaults(false));
        return out;
    }

    @Test
    void manifestShaMismatchIsRefused() throws Exception {
        Path out = exported();
        Path model = out.resolve("model.onnx");
        try (RandomAccessFile f = new RandomAccessFile(model.toFile(), "rw")) {
            long at = f.length() / 2;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x01);
        }
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> OrtDecoder.open(out));
        assertTrue(e.getMessage().contains("sha256") && e.getMessage().contains(model.toString()), e.getMessage());
    }

    @Test
    void truncatedModelWithManifestIsRefusedBySize() throws Exception {
        Path out = exported();
        Path model = out.resolve("model.onnx");
        try (RandomAccessFile f = new RandomAccessFile(model.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> OrtDecoder.open(out));
        assertTrue(e.getMessage().contains("size") && e.getMessage().contains(model.toString()), e.getMessage());
    }

    @Test
    void truncatedModelWithoutManifestFailsInOnnxRuntimeWithTheFileNamed() throws Exception {
        Path out = exported();
        Files.delete(out.resolve("manifest.json"));
        Path model = out.resolve("model.onnx");
        try (RandomAccessFile f = new RandomAccessFile(model.toFile(), "rw")) {
            f.setLength(f.length() / 3);
        }
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> OrtDecoder.open(out));
        assertTrue(e.getMessage().contains(model.toString()) && e.getMessage().contains("cannot load"), e.getMessage());
    }

    @Test
    void garbageModelFileFailsWithTheFileNamed() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("garbage"));
        byte[] junk = new byte[4096];
        new java.util.Random(1).nextBytes(junk);
        Files.write(dir.resolve("model.onnx"), junk);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> OrtDecoder.open(dir));
        assertTrue(e.getMessage().contains(dir.resolve("model.onnx").toString()), e.getMessage());
    }

    @Test
    void missingFolderAndMissingListedFileAreClear() throws Exception {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> OrtDecoder.open(tmp.resolve("nope")));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());

        Path src = Fixtures.copy("gpt2", tmp.resolve("src"));
        Files.writeString(src.resolve("tokenizer.json"), "{}");
        Path out = tmp.resolve("out");
        ArtifactWriter.writeFolder(src, out, ArtifactWriter.Options.defaults(false));
        Files.delete(out.resolve("tokenizer.json"));
        e = assertThrows(ModelLoadException.class, () -> OrtDecoder.open(out));
        assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("missing"), e.getMessage());
        // Without verification the model itself still loads.
        try (OrtDecoder d = OrtDecoder.open(out, new OrtDecoder.Options(1, ai.onnxruntime.OrtSession.SessionOptions.OptLevel.BASIC_OPT,
                false, 0, false))) {
            assertEquals(97, d.vocabSize());
        }
    }

    @Test
    void cudaRequestFallsBackToCpuWhenUnavailable() {
        Path out = exported();
        Fixtures.Expected exp = Fixtures.expected("llama-gqa");
        try (OrtDecoder d = OrtDecoder.open(out, OrtDecoder.Options.defaults().withCuda(true).withIntraOpThreads(1))) {
            assertTrue(d.provider().equals(OrtDecoder.CPU) || d.provider().equals(OrtDecoder.CUDA), d.provider());
            assertTrue(Fixtures.maxAbsDiff(d.logits(exp.inputIds()), exp.logits()) <= 1e-4);
            assertEquals(2, d.numLayers());
            assertEquals(8, d.headDim());
        }
    }

    @Test
    void aGraphOfTheOtherKindIsRefusedByNameWithCudaAskedOrNot() throws Exception {
        Path out = exported();
        for (boolean cuda : new boolean[] {false, true}) {
            OrtDecoder.Options o = OrtDecoder.Options.defaults().withCuda(cuda);
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> OrtEncoder.open(out, o));
            assertTrue(e.getMessage().contains("no output last_hidden_state"), e.getMessage());
        }
        // The session the refused wrapper had opened is closed again: the same folder still opens as a decoder.
        try (OrtDecoder d = OrtDecoder.open(out)) {
            assertEquals(2, d.numLayers());
        }
    }
}
