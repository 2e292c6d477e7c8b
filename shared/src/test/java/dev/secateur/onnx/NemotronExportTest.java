package dev.secateur.onnx;

import static dev.secateur.onnx.ExportChecks.ATOL;
import static dev.secateur.onnx.ExportChecks.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.ReferenceForward;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nemotron's block (LayerNorm1P norms, an ungated relu² MLP, half of each head rotating) in the exported graph, held to
 * the Java reference forward (no torch here), after showing that relu² and the offset norms each move the logits.
 */
class NemotronExportTest {
    @TempDir
    Path tmp;

    @Test
    void readsTheNormsAsOnePlusTheOffsetBesideTheirBiasesAndAnUngatedMlp() throws Exception {
        Path dir = Fixtures.nemotron();
        DecoderWeights w = DecoderWeights.load(dir);
        LayerWeights l = w.layers().get(0);
        assertNull(l.gate());
        assertNotNull(l.attnNormBias());
        assertEquals(ModelConfig.Activation.RELU_SQUARED, w.config().mlpActivation());
        assertEquals(4, w.config().rotaryDim(), "NemotronConfig's partial_rotary_factor 0.5 of head_dim 8");
        try (Checkpoint ck = Checkpoint.open(dir)) {
            assertEquals(ck.tensor("model.layers.0.input_layernorm.weight").data()[1] + 1f, l.attnNorm().data()[1]);
            assertEquals(ck.tensor("model.norm.weight").data()[4] + 1f, w.finalNorm().data()[4]);
        }
        ExportChecks.assertWrittenBackAsStored(dir, 1.2e-7);
    }

    @Test
    void exportedLogitsMatchTheReferenceWholeAndThroughTheKvCache() {
        Path dir = Fixtures.nemotron();
        float[][][] want = ReferenceForward.logits(dir, ids());
        Path gelu = Fixtures.withConfig(dir, "nemotron-gelu", c -> c.put("hidden_act", "gelu_pytorch_tanh"));
        double activation = Fixtures.maxAbsDiff(want, ReferenceForward.logits(gelu, ids()));
        assertTrue(activation > 100 * ATOL, "relu² against GeLU moves the logits by only " + activation);
        // the stored weights read as plain LayerNorm weights, without Nemotron's 1 +
        DecoderWeights w = DecoderWeights.load(dir);
        DecoderWeights asStored = new DecoderWeights(w.config(), w.tokenEmbedding(), null,
                w.layers().stream().map(l -> l.withNorms(Fixtures.plus(l.attnNorm(), -1f), Fixtures.plus(l.mlpNorm(), -1f))).toList(),
                Fixtures.plus(w.finalNorm(), -1f), w.finalNormBias(), w.lmHead());
        double offset = 0;
        for (int b = 0; b < ids().length; b++) {
            offset = Math.max(offset, Fixtures.maxAbsDiff(new float[][][] {want[b]},
                    new float[][][] {ReferenceForward.logits(asStored, ids()[b])}));
        }
        assertTrue(offset > 100 * ATOL, "the 1 + w norms move the logits by only " + offset);
        ExportChecks.assertExportMatches(dir, tmp.resolve("nemotron-onnx"), ids(), want, ATOL, "nemotron");
    }
}
