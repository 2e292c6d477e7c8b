package dev.secateur.onnx;

import static dev.secateur.onnx.ExportChecks.ATOL;
import static dev.secateur.onnx.ExportChecks.ids;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.ReferenceForward;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Falcon's fused query_key_value in its multi-query and new-decoder layouts, split into the projections the fixtures
 * were made from; its side-by-side blocks (one norm, or ln_attn and ln_mlp) in the exported graph, held to the Java
 * reference (no torch here).
 */
class FalconExportTest {
    @TempDir
    Path tmp;

    @Test
    void splitsTheMultiQueryLayoutIntoAllQueriesAndOneKeyAndValue() throws Exception {
        Path dir = Fixtures.falcon();
        DecoderWeights w = DecoderWeights.load(dir);
        LayerWeights l = w.layers().get(1);
        assertEquals(1, w.config().numKvHeads());
        assertTrue(w.config().parallelResidual());
        assertEquals(ModelConfig.Activation.GELU_ERF, w.config().mlpActivation());
        assertNull(l.mlpNorm(), "Falcon-7B's one norm per block");
        assertNull(l.gate());
        assertNull(l.qBias());
        assertNull(l.oBias());
        int hd = w.headDim();
        try (Checkpoint source = Checkpoint.open(Fixtures.dir("llama-gqa"))) {
            String p = "model.layers.1.self_attn.";
            assertArrayEquals(source.tensor(p + "q_proj.weight").data(), l.q().data());
            assertArrayEquals(Arrays.copyOf(source.tensor(p + "k_proj.weight").data(), hd * 32), l.k().data());
            assertArrayEquals(Arrays.copyOf(source.tensor(p + "v_proj.weight").data(), hd * 32), l.v().data());
        }
        ExportChecks.assertWrittenBackAsStored(dir, 0);
    }

    @Test
    void splitsTheNewDecoderLayoutGroupByGroupAndReadsBothNorms() throws Exception {
        Path dir = Fixtures.falconNewDecoder();
        DecoderWeights w = DecoderWeights.load(dir);
        LayerWeights l = w.layers().get(0);
        assertEquals(2, w.config().numKvHeads());
        assertTrue(w.config().parallelResidual());
        assertNotNull(l.mlpNorm(), "ln_mlp");
        try (Checkpoint source = Checkpoint.open(Fixtures.dir("llama-gqa"))) {
            for (String part : new String[] {"q", "k", "v"}) {
                float[] got = part.equals("q") ? l.q().data() : part.equals("k") ? l.k().data() : l.v().data();
                assertArrayEquals(source.tensor("model.layers.0.self_attn." + part + "_proj.weight").data(), got, part);
            }
        }
        ExportChecks.assertWrittenBackAsStored(dir, 0);
    }

    @Test
    void exportedLogitsMatchTheReferenceWholeAndThroughTheKvCache() {
        for (Path dir : List.of(Fixtures.falcon(), Fixtures.falconNewDecoder())) {
            float[][][] want = ReferenceForward.logits(dir, ids());
            ExportChecks.assertExportMatches(dir, tmp.resolve(dir.getFileName() + "-onnx"), ids(), want, ATOL, dir.getFileName().toString());
        }
        double apart = Fixtures.maxAbsDiff(ReferenceForward.logits(Fixtures.falcon(), ids()),
                ReferenceForward.logits(Fixtures.falconNewDecoder(), ids()));
        assertTrue(apart > 100 * ATOL, "the two layouts compute different models: " + apart);
    }

    /** FalconConfig's defaults (multi_query, parallel_attn, tied, gelu, no biases) and its n_head / n_layer aliases; ALiBi refused. */
    @Test
    void readsFalconConfigsDefaultsAndAliasesAndRefusesAlibi() {
        Path bare = Fixtures.withConfig(Fixtures.falcon(), "falcon-defaults", c -> {
            c.put("n_head", c.remove("num_attention_heads").asInt());
            c.put("n_layer", c.remove("num_hidden_layers").asInt());
            c.remove(List.of("multi_query", "parallel_attn", "tie_word_embeddings", "activation", "bias", "ffn_hidden_size"));
        });
        ModelConfig c = ConfigReader.read(bare);
        assertEquals(4, c.numHeads());
        assertEquals(2, c.numLayers());
        assertEquals(1, c.numKvHeads());
        assertTrue(c.parallelResidual());
        assertTrue(c.tieWordEmbeddings());
        assertFalse(c.attentionBias());
        assertEquals("gelu", c.hiddenAct());
        assertEquals(4 * 32, c.intermediateSize());
        Path alibi = Fixtures.withConfig(Fixtures.falcon(), "falcon-alibi", cfg -> cfg.put("alibi", true));
        CheckpointException e = assertThrows(CheckpointException.class, () -> ConfigReader.read(alibi));
        assertTrue(e.getMessage().contains("alibi"), e.getMessage());
    }
}
