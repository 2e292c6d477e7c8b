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
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.model.StreamedCheckpoint;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.ReferenceForward;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Phi's block (one LayerNorm feeding attention and the MLP side by side, biases everywhere, an ungated gelu_new MLP,
 * half of each head rotating) and its biased output projection, in the Java reference and the exported graph. The
 * reference is first held to GPT-NeoX's parallel block, which computes the same when its two norms are one.
 */
class PhiExportTest {
    @TempDir
    Path tmp;

    @Test
    void readsOneNormPerBlockAndTheOutputBiasAndWritesTheCheckpointBackAsStored() throws Exception {
        Path dir = Fixtures.phi();
        DecoderWeights w = DecoderWeights.load(dir);
        LayerWeights l = w.layers().get(0);
        assertTrue(w.config().parallelResidual());
        assertEquals(ModelConfig.Activation.GELU_TANH, w.config().mlpActivation());
        assertEquals(4, w.config().rotaryDim(), "partial_rotary_factor 0.5 of head_dim 8");
        assertNull(l.mlpNorm(), "one norm per block");
        assertNull(l.gate());
        assertNotNull(l.oBias());
        assertNotNull(l.downBias());
        assertNotNull(w.lmHeadBias());
        assertEquals(w.config().vocabSize(), w.lmHeadBias().dim(0));
        try (StreamedCheckpoint s = StreamedCheckpoint.open(dir)) {
            assertEquals(w.parameterCount(), s.parameterCount(), "the output bias counted once, streamed or loaded");
        }
        ExportChecks.assertWrittenBackAsStored(dir, 0);
    }

    /** A pruned Phi that lost its biases still states every one, since Hugging Face would initialise a missing key at random. */
    @Test
    void writesZerosForBiasesItDoesNotHave() {
        DecoderWeights w = DecoderWeights.load(Fixtures.phi());
        LayerWeights l = w.layers().get(1);
        LayerWeights bare = new LayerWeights(l.attnNorm(), l.attnNormBias(), l.q(), null, l.k(), null, l.v(), null, l.o(), null,
                null, null, null, null, l.up(), null, l.down(), null);
        DecoderWeights stripped = new DecoderWeights(w.config(), w.tokenEmbedding(), null, List.of(w.layers().get(0), bare),
                w.finalNorm(), w.finalNormBias(), w.lmHead(), null);
        var written = dev.secateur.model.ArchitectureAdapter.of(w.config()).write(stripped);
        for (String bias : new String[] {"model.layers.1.self_attn.q_proj.bias", "model.layers.1.self_attn.dense.bias",
                "model.layers.1.mlp.fc1.bias", "model.layers.1.mlp.fc2.bias", "lm_head.bias"}) {
            assertNotNull(written.get(bias), bias);
            assertTrue(Fixtures.maxAbsDiff(written.get(bias).data(), new float[written.get(bias).numel()]) == 0, bias + " zeros");
        }
        assertEquals(w.config().vocabSize(), written.get("lm_head.bias").numel());
    }

    @Test
    void referenceIsGptNeoxsParallelBlockWithOneNormPlusTheOutputBias() {
        Path dir = Fixtures.phi();
        DecoderWeights phi = DecoderWeights.load(dir);
        ModelConfig neox = ConfigReader.read(Fixtures.withConfig(Fixtures.gptNeox(), "gpt-neox-gelu-new",
                c -> c.put("hidden_act", "gelu_new")));
        List<LayerWeights> twoNorms = phi.layers().stream().map(l -> new LayerWeights(l.attnNorm(), l.attnNormBias(), l.q(),
                l.qBias(), l.k(), l.kBias(), l.v(), l.vBias(), l.o(), l.oBias(), l.attnNorm(), l.attnNormBias(), null, null,
                l.up(), l.upBias(), l.down(), l.downBias())).toList();
        DecoderWeights asNeox = new DecoderWeights(neox, phi.tokenEmbedding(), null, twoNorms, phi.finalNorm(), phi.finalNormBias(),
                phi.lmHead());
        float[] bias = phi.lmHeadBias().data();
        for (long[] seq : ids()) {
            float[][] got = ReferenceForward.logits(phi, seq), base = ReferenceForward.logits(asNeox, seq);
            double worst = 0, biasMoves = 0;
            for (int t = 0; t < got.length; t++) {
                for (int v = 0; v < bias.length; v++) {
                    worst = Math.max(worst, Math.abs(got[t][v] - (base[t][v] + bias[v])));
                    biasMoves = Math.max(biasMoves, Math.abs(got[t][v] - base[t][v]));
                }
            }
            assertTrue(worst <= 1e-5, "Phi = GPT-NeoX with one norm + lm_head.bias, off by " + worst);
            assertTrue(biasMoves > 100 * ATOL, "the output bias moves the logits by only " + biasMoves);
        }
    }

    @Test
    void exportedLogitsMatchTheReferenceWholeAndThroughTheKvCache() {
        Path dir = Fixtures.phi();
        ExportChecks.assertExportMatches(dir, tmp.resolve("phi-onnx"), ids(), ReferenceForward.logits(dir, ids()), ATOL, "phi");
    }

    /** PhiConfig's defaults where keys are absent (gelu_new, half of each head rotating, untied), and qk_layernorm refused. */
    @Test
    void readsPhiConfigsDefaultsAndRefusesQkLayerNorm() {
        Path bare = Fixtures.withConfig(Fixtures.phi(), "phi-defaults", c -> c.remove(List.of("hidden_act",
                "partial_rotary_factor", "layer_norm_eps", "qk_layernorm", "tie_word_embeddings")));
        ModelConfig c = ConfigReader.read(bare);
        assertEquals("gelu_new", c.hiddenAct());
        assertEquals(4, c.rotaryDim());
        assertEquals(1e-5, c.normEps());
        assertTrue(!c.tieWordEmbeddings());
        assertTrue(c.attentionBias());
        Path qk = Fixtures.withConfig(Fixtures.phi(), "phi-qk-layernorm", cfg -> cfg.put("qk_layernorm", true));
        CheckpointException e = assertThrows(CheckpointException.class, () -> ConfigReader.read(qk));
        assertTrue(e.getMessage().contains("qk_layernorm"), e.getMessage());
    }
}
