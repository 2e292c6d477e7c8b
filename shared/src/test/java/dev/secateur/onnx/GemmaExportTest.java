package dev.secateur.onnx;

import static dev.secateur.onnx.ExportChecks.ATOL;
import static dev.secateur.onnx.ExportChecks.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.DType;
import dev.secateur.checkpoint.SafetensorsWriter;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.testsupport.ReferenceForward;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first Gemma (GemmaForCausalLM) is Llama's block with three changes: RMSNorm weights stored as offsets from 1,
 * embeddings × √hidden, and a gelu_pytorch_tanh gate. So the gemma fixture must compute exactly what a Llama with
 * those changes made by hand computes, and its export must match that.
 */
class GemmaExportTest {
    @TempDir
    Path tmp;

    @Test
    void readsTheNormsAsOnePlusTheOffsetAndWritesThemBackUnderLlamasNames() throws Exception {
        Path dir = Fixtures.gemma();
        DecoderWeights w = DecoderWeights.load(dir);
        LayerWeights l = w.layers().get(0);
        assertNull(l.postAttnNorm(), "the first Gemma has no post norms");
        assertNull(l.postMlpNorm());
        assertEquals("gelu_pytorch_tanh", w.config().hiddenAct(), "hidden_act \"gelu\" is ignored, as GemmaMLP ignores it");
        assertEquals(Math.sqrt(32), w.config().embeddingScale(), 1e-12);
        assertEquals(1 / Math.sqrt(8), w.config().attentionScale(), 1e-12, "head_dim^-1/2, no query_pre_attn_scalar");
        try (Checkpoint ck = Checkpoint.open(dir)) {
            assertEquals(ck.tensor("model.layers.0.post_attention_layernorm.weight").data()[2] + 1f, l.mlpNorm().data()[2]);
        }
        ExportChecks.assertWrittenBackAsStored(dir, 1.2e-7);
    }

    @Test
    void computesLlamaWithScaledEmbeddingsAndAGeluGateAndExportsIt() throws Exception {
        Path gemma = Fixtures.gemma();
        float[][][] want = ReferenceForward.logits(gemma, ids());
        float[][][] byHand = ReferenceForward.logits(llamaMadeGemmaByHand(), ids());
        assertTrue(Fixtures.maxAbsDiff(want, byHand) <= 1e-5, "Gemma = Llama with √hidden embeddings and a GeGLU gate");
        double moved = Fixtures.maxAbsDiff(want, Fixtures.expected("llama-gqa").logits());
        assertTrue(moved > 100 * ATOL, "Gemma's changes move llama-gqa's logits by only " + moved);
        ExportChecks.assertExportMatches(gemma, tmp.resolve("gemma-onnx"), ids(), want, ATOL, "gemma");
    }

    /** Gemma's checkpoints tie the head to the embedding, which the input side scales by √hidden and the head must not. */
    @Test
    void aTiedGemmaReadsItsHeadFromTheUnscaledEmbedding() {
        Path tied = Fixtures.withConfig(Fixtures.gemma(), "gemma-tied", c -> c.put("tie_word_embeddings", true));
        float[][][] want = ReferenceForward.logits(tied, ids());
        double moved = Fixtures.maxAbsDiff(want, ReferenceForward.logits(Fixtures.gemma(), ids()));
        assertTrue(moved > 100 * ATOL, "tying moves the logits by only " + moved);
        ExportChecks.assertExportMatches(tied, tmp.resolve("gemma-tied-onnx"), ids(), want, ATOL, "tied gemma");
    }

    /** llama-gqa as a LlamaForCausalLM whose embedding rows are multiplied by √hidden and whose MLP gate is gelu_pytorch_tanh. */
    private Path llamaMadeGemmaByHand() throws Exception {
        Path dir = Fixtures.withConfig("llama-gqa", "llama-gelu-scaled", c -> c.put("hidden_act", "gelu_pytorch_tanh"));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (Checkpoint ck = Checkpoint.open(Fixtures.dir("llama-gqa"))) {
            float scale = (float) Math.sqrt(ck.config().hiddenSize());
            for (String n : new TreeSet<>(ck.names())) {
                Tensor t = ck.tensor(n);
                if (n.equals("model.embed_tokens.weight")) {
                    float[] v = t.data().clone();
                    for (int i = 0; i < v.length; i++) {
                        v[i] *= scale;
                    }
                    t = new Tensor(t.shape(), v);
                }
                tensors.put(n, t);
            }
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, DType.F32, Map.of("format", "pt"));
        return dir;
    }
}
