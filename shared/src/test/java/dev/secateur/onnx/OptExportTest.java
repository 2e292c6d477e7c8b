package dev.secateur.onnx;

import static dev.secateur.onnx.ExportChecks.ATOL;
import static dev.secateur.onnx.ExportChecks.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.model.StreamedCheckpoint;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.ReferenceForward;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OPT's block (pre-LN LayerNorms, biases everywhere, an ungated ReLU MLP) and its learned positions, whose table starts
 * two rows before position 0, in the exported graph, held to the Java reference (no torch here).
 */
class OptExportTest {
    @TempDir
    Path tmp;

    @Test
    void readsOptsBlockAndWholePositionTableAndWritesTheCheckpointBackAsStored() throws Exception {
        Path dir = Fixtures.opt();
        DecoderWeights w = DecoderWeights.load(dir);
        LayerWeights l = w.layers().get(0);
        assertEquals(ModelConfig.Activation.RELU, w.config().mlpActivation());
        assertEquals(2, w.config().positionOffset());
        assertEquals(w.config().maxPositions() + 2, w.positionEmbedding().dim(0));
        assertNull(l.gate());
        assertNotNull(l.qBias());
        assertNotNull(l.mlpNorm());
        try (StreamedCheckpoint s = StreamedCheckpoint.open(dir)) {
            assertEquals(w.parameterCount(), s.parameterCount());
        }
        ExportChecks.assertWrittenBackAsStored(dir, 0);
    }

    /** Position t reads row t + 2: the two leading rows change nothing, shifting the table changes the logits. */
    @Test
    void positionsReadTheTableTwoRowsIn() {
        DecoderWeights w = DecoderWeights.load(Fixtures.opt());
        Tensor p = w.positionEmbedding();
        int h = p.dim(1);
        float[] leading = p.data().clone(), shifted = new float[p.data().length];
        for (int i = 0; i < 2 * h; i++) {
            leading[i] = 1e3f;
        }
        System.arraycopy(p.data(), 0, shifted, 2 * h, shifted.length - 2 * h);
        float[][][] want = {ReferenceForward.logits(w, ids()[0])};
        float[][][] withLeading = {ReferenceForward.logits(withPositions(w, new Tensor(p.shape(), leading)), ids()[0])};
        float[][][] withShift = {ReferenceForward.logits(withPositions(w, new Tensor(p.shape(), shifted)), ids()[0])};
        assertEquals(0, Fixtures.maxAbsDiff(want, withLeading), "rows 0 and 1 are read by no position");
        assertTrue(Fixtures.maxAbsDiff(want, withShift) > 100 * ATOL, "the offset moves the logits");
    }

    @Test
    void exportedLogitsMatchTheReferenceWholeAndThroughTheKvCache() {
        Path dir = Fixtures.opt();
        ExportChecks.assertExportMatches(dir, tmp.resolve("opt-onnx"), ids(), ReferenceForward.logits(dir, ids()), ATOL, "opt");
    }

    /** facebook/opt-* store OPTModel's names (decoder.…, no model. prefix): they read as the same model. */
    @Test
    void readsTheOfficialCheckpointsNamesWithoutTheModelPrefix() throws Exception {
        Path bare = tmp.resolve("opt-bare");
        java.nio.file.Files.createDirectories(bare);
        java.nio.file.Files.copy(Fixtures.opt().resolve("config.json"), bare.resolve("config.json"));
        java.util.Map<String, Tensor> renamed = new java.util.LinkedHashMap<>();
        try (dev.secateur.checkpoint.Checkpoint ck = dev.secateur.checkpoint.Checkpoint.open(Fixtures.opt())) {
            for (String n : ck.names()) {
                renamed.put(n.startsWith("model.") ? n.substring("model.".length()) : n, ck.tensor(n));
            }
        }
        assertTrue(renamed.containsKey("decoder.embed_tokens.weight"));
        dev.secateur.checkpoint.SafetensorsWriter.write(bare.resolve("model.safetensors"), renamed,
                dev.secateur.checkpoint.DType.F32, java.util.Map.of("format", "pt"));
        assertEquals(0, Fixtures.maxAbsDiff(ReferenceForward.logits(bare, ids()), ReferenceForward.logits(Fixtures.opt(), ids())));
        try (StreamedCheckpoint s = StreamedCheckpoint.open(bare)) {
            assertEquals(DecoderWeights.load(Fixtures.opt()).parameterCount(), s.parameterCount());
        }
    }

    /** OPT-350M's layouts (post-LN blocks, a projected embedding) are refused, naming the key. */
    @Test
    void refusesOpt350msLayouts() {
        Path postLn = Fixtures.withConfig(Fixtures.opt(), "opt-post-ln", c -> c.put("do_layer_norm_before", false));
        Path projected = Fixtures.withConfig(Fixtures.opt(), "opt-projected", c -> c.put("word_embed_proj_dim", 16));
        for (Path dir : new Path[] {postLn, projected}) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> ConfigReader.read(dir));
            assertTrue(e.getMessage().contains(dir == postLn ? "do_layer_norm_before" : "word_embed_proj_dim"), e.getMessage());
        }
    }

    private static DecoderWeights withPositions(DecoderWeights w, Tensor positions) {
        return new DecoderWeights(w.config(), w.tokenEmbedding(), positions, w.layers(), w.finalNorm(), w.finalNormBias(), w.lmHead());
    }
}
