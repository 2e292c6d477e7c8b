package dev.secateur.onnx;

import static dev.secateur.onnx.ExportChecks.ids;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerSizes;
import dev.secateur.model.LayerWeights;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.ReferenceForward;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * InternLM2 is Llama's math under other names with a grouped wqkv, so the internlm2 fixture (llama-gqa recast) must
 * give llama-gqa's torch-made logits, in the Java reference and in its ONNX export.
 */
class InternLm2ExportTest {
    @TempDir
    Path tmp;

    @Test
    void splitsTheGroupedWqkvIntoTheProjectionsItWasMadeFromAndWritesItBack() throws Exception {
        Path dir = Fixtures.internlm2();
        DecoderWeights w = DecoderWeights.load(dir);
        assertEquals(List.of(new LayerSizes(4, 2, 96), new LayerSizes(4, 2, 96)), w.layerSizes());
        LayerWeights l = w.layers().get(1);
        try (Checkpoint source = Checkpoint.open(Fixtures.dir("llama-gqa"))) {
            assertArrayEquals(source.tensor("model.layers.1.self_attn.q_proj.weight").data(), l.q().data());
            assertArrayEquals(source.tensor("model.layers.1.self_attn.k_proj.weight").data(), l.k().data());
            assertArrayEquals(source.tensor("model.layers.1.self_attn.v_proj.weight").data(), l.v().data());
            assertArrayEquals(source.tensor("model.layers.1.mlp.gate_proj.weight").data(), l.gate().data(), "w1 is the gate");
        }
        ExportChecks.assertWrittenBackAsStored(dir, 0);
    }

    @Test
    void givesLlamaGqasTorchLogitsInTheReferenceAndTheExport() {
        Path dir = Fixtures.internlm2();
        Fixtures.Expected torch = Fixtures.expected("llama-gqa");
        assertTrue(Fixtures.maxAbsDiff(ReferenceForward.logits(dir, ids()), torch.logits()) <= torch.atol());
        ExportChecks.assertExportMatches(dir, tmp.resolve("internlm2-onnx"), ids(), torch.logits(), torch.atol(), "internlm2");
    }
}
