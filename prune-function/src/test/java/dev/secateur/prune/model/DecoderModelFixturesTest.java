package dev.secateur.prune.model;

import dev.secateur.testsupport.Fixtures;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Logits against an independent float64 torch implementation of the Hugging Face forward passes. */
class DecoderModelFixturesTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "llama-tied-bf16", "qwen2", "llama-sharded", "gpt2", "llama-mha-repeated-kv", "qwen3", "mistral", "llama-rope-linear", "phi3"})
    void logitsMatchReference(String fixture) {
        JsonNode expected = Fixtures.json(fixture + "/expected.json");
        double atol = expected.get("atol").asDouble();
        float[][][] logits = logits(fixture, Fixtures.inputIds(expected));
        double maxDiff = 0;
        JsonNode want = expected.get("logits");
        for (int b = 0; b < logits.length; b++) {
            for (int t = 0; t < logits[b].length; t++) {
                double[] row = Fixtures.doubles(want.get(b).get(t));
                assertTrue(row.length == logits[b][t].length, "vocab size");
                for (int v = 0; v < row.length; v++) {
                    maxDiff = Math.max(maxDiff, Math.abs(row[v] - logits[b][t][v]));
                }
            }
        }
        double d = maxDiff;
        assertTrue(maxDiff <= atol, () -> fixture + ": max |Δ logits| = " + d + " > " + atol);
    }

    @Test
    void groupedQueryAttentionEqualsRepeatedKeyValueHeads() {
        long[][] ids = Fixtures.inputIds(Fixtures.json("llama-gqa/expected.json"));
        float[][][] gqa = logits("llama-gqa", ids);
        float[][][] mha = logits("llama-mha-repeated-kv", ids);
        for (int b = 0; b < gqa.length; b++) {
            for (int t = 0; t < gqa[b].length; t++) {
                assertArrayEquals(mha[b][t], gqa[b][t], 1e-5f);
            }
        }
    }

    /** Phi-3.5's longrope and Phi-4-mini's partial rotary factor: no torch reference here, so the Java one from the math. */
    @ParameterizedTest
    @ValueSource(strings = {"longrope", "partial", "longrope-partial"})
    void rotaryVariantsMatchTheJavaReference(String variant) {
        assertMatchesJavaReference(Fixtures.phi3Rotary(variant), variant);
    }

    /** The first Gemma: Llama's block with offset norms, √hidden embeddings and a GeGLU gate. */
    @Test
    void gemmaMatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.gemma(), "gemma");
    }

    /** StableLM: LayerNorms with biases, q/k/v biases, rotary positions on half of each head. */
    @Test
    void stablelmMatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.stablelm(), "stablelm");
    }

    /** StarCoder2: biases on every linear layer, LayerNorms, an ungated GeLU MLP, a window shorter than the test tokens. */
    @Test
    void starcoder2MatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.starcoder2(), "starcoder2");
    }

    /** Nemotron: LayerNorm1P norms with biases, an ungated relu² MLP, half of each head rotating. */
    @Test
    void nemotronMatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.nemotron(), "nemotron");
    }

    /** GPT-NeoX: the parallel block, interleaved q/k/v, an exact-GELU MLP, half of each head rotating; and its sequential form. */
    @Test
    void gptNeoxMatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.gptNeox(), "gpt-neox");
        assertMatchesJavaReference(Fixtures.withConfig(Fixtures.gptNeox(), "gpt-neox-sequential-djl",
                c -> c.put("use_parallel_residual", false)), "gpt-neox sequential");
    }

    /** Phi: one LayerNorm feeding attention and the MLP side by side, biases everywhere, an output bias. */
    @Test
    void phiMatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.phi(), "phi");
    }

    /** GPT-J: Phi's side-by-side block without attention biases, its interleaved rotary read as the canonical one. */
    @Test
    void gptjMatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.gptj(), "gptj");
    }

    /** Falcon: multi-query with one norm, and the new decoder architecture's two norms of the same input. */
    @Test
    void falconMatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.falcon(), "falcon");
        assertMatchesJavaReference(Fixtures.falconNewDecoder(), "falcon new decoder");
    }

    /** OPT: pre-LN LayerNorms, ReLU, learned positions read two rows into their table. */
    @Test
    void optMatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.opt(), "opt");
    }

    /** MiniCPM: Llama's block with µP scalars on the embeddings, each block's updates and the logits. */
    @Test
    void minicpmMatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.minicpm(), "minicpm");
    }

    /** InternLM2: Llama's math under other names with a grouped wqkv, so llama-gqa's torch logits. */
    @Test
    void internlm2MatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.internlm2(), "internlm2");
    }

    /** OLMo 2: no pre-norms, norms on both outputs, query/key norms over all heads. */
    @Test
    void olmo2MatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.olmo2(), "olmo2");
    }

    /** OLMo 3: OLMo 2's block, layer 0 sliding (window 3 < the 7 test tokens), YaRN frequencies. */
    @Test
    void olmo3MatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.olmo3(), "olmo3");
    }

    /** YaRN (Qwen's long-context rope_scaling) on a Llama: the ramped divisors and the cos/sin scale. */
    @Test
    void yarnMatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.llamaYarn(), "yarn");
    }

    private static void assertMatchesJavaReference(java.nio.file.Path dir, String what) {
        long[][] ids = Fixtures.inputIds(Fixtures.json("llama-gqa/expected.json"));
        double diff = Fixtures.maxAbsDiff(logits(dir, ids), dev.secateur.testsupport.ReferenceForward.logits(dir, ids));
        assertTrue(diff <= 1e-4, what + ": max |Δ logits| " + diff);
    }

    /** Gemma 2 (post norms, scaled embeddings, query_pre_attn_scalar, soft caps): no torch reference, the Java one. */
    @Test
    void gemma2MatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.dir("gemma2"), "gemma2");
    }

    /**
     * Gemma 3 (Gemma 2's block without soft caps, query/key norms, a 4-token window on layer 0 with its own rotary base):
     * the 7 test tokens reach past the window, so the windowed mask and both rotary tables are exercised.
     */
    @Test
    void gemma3MatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.dir("gemma3"), "gemma3");
    }

    /** Granite: Llama's block with embedding, attention and residual multipliers and logits scaling. */
    @Test
    void graniteMatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.dir("granite"), "granite");
    }

    /** SmolLM3: Llama's block with no rotary positions on its second layer (no_rope_layers [1, 0]). */
    @Test
    void smolLm3MatchesTheJavaReference() {
        assertMatchesJavaReference(Fixtures.dir("smollm3"), "smollm3");
    }

    /** Mistral with a window of 3 on every layer, shorter than the 7 test tokens: masked as Hugging Face masks it. */
    @Test
    void mistralPastItsSlidingWindowMatchesTheJavaReference() {
        java.nio.file.Path dir = Fixtures.withConfig("mistral", "mistral-window-3", c -> c.put("sliding_window", 3));
        assertMatchesJavaReference(dir, "mistral window 3");
        long[][] ids = Fixtures.inputIds(Fixtures.json("llama-gqa/expected.json"));
        double moved = Fixtures.maxAbsDiff(logits(dir, ids), logits("llama-gqa", ids));
        assertTrue(moved > 1e-2, "the window moves the logits past it, by " + moved);
    }

    static float[][][] logits(String fixture, long[][] ids) {
        return logits(Fixtures.dir(fixture), ids);
    }

    static float[][][] logits(java.nio.file.Path dir, long[][] ids) {
        try (DecoderModel model = DecoderModel.load(dir, Device.cpu());
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray out = model.forward(m.create(ids), ForwardCapture.NONE);
            long[] s = out.getShape().getShape();
            float[] flat = out.toFloatArray();
            float[][][] r = new float[(int) s[0]][(int) s[1]][(int) s[2]];
            for (int b = 0; b < s[0]; b++) {
                for (int t = 0; t < s[1]; t++) {
                    System.arraycopy(flat, (int) ((b * s[1] + t) * s[2]), r[b][t], 0, (int) s[2]);
                }
            }
            return r;
        }
    }
}
