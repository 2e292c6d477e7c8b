package dev.secateur.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.Architecture;
import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.checkpoint.DType;
import dev.secateur.checkpoint.ModelConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** make-random's shapes: configs that read back as the architecture, and parameter counts as the model cards give them. */
class RandomCheckpointTest {

    @Test
    void qwen3ShapesHaveTheirPublishedSizes() {
        RandomCheckpoint.Shape s = RandomCheckpoint.SHAPES.get("qwen3-0.6b");
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(s, DType.BF16), "qwen3-0.6b");
        assertEquals(Architecture.QWEN3, c.architecture());
        assertEquals(128, c.headDim(), "head_dim 128, not 1024 / 16 = 64");
        assertEquals(596_049_920L, s.parameters(), "0.6B, of which 0.44B outside the (tied) embedding");
        ModelConfig big = ConfigReader.parse(RandomCheckpoint.config(RandomCheckpoint.SHAPES.get("qwen3-8b"), DType.BF16), "qwen3-8b");
        assertEquals(128, big.headDim());
        ModelConfig mistral = ConfigReader.parse(RandomCheckpoint.config(RandomCheckpoint.SHAPES.get("mistral-7b"), DType.BF16), "mistral-7b");
        assertEquals(32768, mistral.contextLength(), "max_position_embeddings; the 4096 window is masked");
        assertEquals(4096, mistral.windowOf(31));
    }

    @Test
    void phi3MiniHasItsPublishedSizeAndASmallPhi3WritesFusedAndLoads(@TempDir Path dir) {
        RandomCheckpoint.Shape mini = RandomCheckpoint.SHAPES.get("phi-3-mini");
        assertEquals(3_821_079_552L, mini.parameters(), "Phi-3-mini's 3.8B");
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(mini, DType.BF16), "phi-3-mini");
        assertEquals(Architecture.PHI3, c.architecture());
        assertEquals(4096, c.contextLength(), "max_position_embeddings; the 2047 window is masked");
        assertEquals(2047, c.windowOf(0));
        RandomCheckpoint.Shape small = new RandomCheckpoint.Shape("Phi3ForCausalLM", 64, 96, 2, 4, 2, 100, false, 1e4, 256, false, 0, false, 128);
        RandomCheckpoint.write(small, DType.BF16, 1, 7, dir);
        try (dev.secateur.checkpoint.Checkpoint ck = dev.secateur.checkpoint.Checkpoint.open(dir)) {
            assertEquals(java.util.List.of((4 + 2 * 2) * 16, 64),
                    java.util.Arrays.stream(ck.shape("model.layers.0.self_attn.qkv_proj.weight")).boxed().toList());
        }
        DecoderWeights w = DecoderWeights.load(dir);
        assertEquals(small.parameters(), w.parameterCount());
        assertEquals(java.util.List.of(new LayerSizes(4, 2, 96), new LayerSizes(4, 2, 96)), w.layerSizes());
    }

    @Test
    void gemma2HasItsPublishedSizeAndASmallGemma2WritesItsFourNormsAndLoads(@TempDir Path dir) {
        RandomCheckpoint.Shape g = RandomCheckpoint.SHAPES.get("gemma-2-2b");
        assertEquals(2_614_341_888L, g.parameters(), "Gemma-2-2B's 2.6B");
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(g, DType.BF16), "gemma-2-2b");
        assertEquals(Architecture.GEMMA2, c.architecture());
        assertEquals(8192, c.contextLength(), "max_position_embeddings; the 4096 window on even layers is masked");
        assertEquals(4096, c.windowOf(0));
        assertEquals(1 / Math.sqrt(256), c.attentionScale());
        RandomCheckpoint.Shape small = new RandomCheckpoint.Shape("Gemma2ForCausalLM", 64, 96, 2, 4, 2, 100, true, 1e4, 256, false, 32, false, 128);
        RandomCheckpoint.write(small, DType.BF16, 2, 7, dir);
        DecoderWeights w = DecoderWeights.load(dir);
        assertEquals(small.parameters(), w.parameterCount());
        assertNotNull(w.layers().get(1).postMlpNorm());
        assertEquals(32, w.headDim());
    }

    @Test
    void gemma3HasItsPublishedSizeAndASmallGemma3WritesItsNormsAndLoads(@TempDir Path dir) {
        RandomCheckpoint.Shape g = RandomCheckpoint.SHAPES.get("gemma-3-1b");
        assertEquals(999_885_952L, g.parameters(), "Gemma-3-1B's parameters as published");
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(g, DType.BF16), "gemma-3-1b");
        assertEquals(Architecture.GEMMA3, c.architecture());
        assertEquals(512, c.windowOf(0));
        assertNull(c.windowOf(5), "every sixth layer attends to the whole prefix");
        assertEquals(32768, c.contextLength());
        assertEquals(0.0, c.finalSoftcap());
        RandomCheckpoint.Shape small = new RandomCheckpoint.Shape("Gemma3ForCausalLM", 64, 96, 2, 4, 1, 100, true, 1e6, 256, false, 32, true, 16);
        RandomCheckpoint.write(small, DType.BF16, 2, 7, dir);
        DecoderWeights w = DecoderWeights.load(dir);
        assertEquals(small.parameters(), w.parameterCount());
        assertNotNull(w.layers().get(1).postMlpNorm());
        assertEquals(32, w.layers().get(0).qNorm().numel());
    }

    @Test
    void olmo2HasItsPublishedSizeAndASmallOlmo2WritesItsNormsAndLoads(@TempDir Path dir) {
        RandomCheckpoint.Shape s = RandomCheckpoint.SHAPES.get("olmo-2-1b");
        // 2 × 100352 × 2048 (untied) + 16 × (4 × 2048² + 3 × 2048 × 8192 + 4 × 2048 norms) + 2048: OLMo-2-0425-1B's 1.48B
        assertEquals(1_484_916_736L, s.parameters());
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(s, DType.BF16), "olmo-2-1b");
        assertEquals(Architecture.OLMO2, c.architecture());
        assertEquals("silu", c.hiddenAct());
        RandomCheckpoint.Shape small = new RandomCheckpoint.Shape("Olmo2ForCausalLM", 64, 96, 2, 4, 2, 100, false, 5e5, 256, false);
        RandomCheckpoint.write(small, DType.BF16, 2, 7, dir);
        DecoderWeights w = DecoderWeights.load(dir);
        assertEquals(small.parameters(), w.parameterCount());
        assertNull(w.layers().get(0).attnNorm());
        assertNotNull(w.layers().get(1).postMlpNorm());
        assertEquals(64, w.layers().get(0).qNorm().numel(), "4 heads × 16");
        assertEquals(32, w.layers().get(0).kNorm().numel(), "2 heads × 16");
    }

    @Test
    void gemma2bHasItsPublishedSizeAndReadsAsGemmaMlpRunsIt() {
        RandomCheckpoint.Shape s = RandomCheckpoint.SHAPES.get("gemma-2b");
        // 256000 × 2048 (tied) + 18 × (2 × 2048 × 2048 + 2 × 2048 × 256 + 3 × 2048 × 16384 + 2 × 2048) + 2048: Gemma-2B's 2.51B
        assertEquals(2_506_172_416L, s.parameters());
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(s, DType.BF16), "gemma-2b");
        assertEquals(Architecture.GEMMA, c.architecture());
        assertEquals("gelu_pytorch_tanh", c.hiddenAct());
        assertEquals(256, c.headDim());
        assertTrue(c.tieWordEmbeddings());
    }

    @Test
    void stableLm2HasItsPublishedSizeAndASmallOneWritesItsNormBiasesAndLoads(@TempDir Path dir) {
        RandomCheckpoint.Shape s = RandomCheckpoint.SHAPES.get("stablelm-2-1.6b");
        // 2 × 100352 × 2048 (untied) + 24 × (4 × 2048² + 3 × 2048 q/k/v biases + 3 × 2048 × 5632 + 2 × 2 × 2048 norms) + 2 × 2048
        assertEquals(1_644_515_328L, s.parameters(), "StableLM-2-1.6B's 1.64B");
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(s, DType.BF16), "stablelm-2-1.6b");
        assertEquals(Architecture.STABLELM, c.architecture());
        assertEquals(16, c.rotaryDim(), "a quarter of head_dim 64");
        RandomCheckpoint.Shape small = new RandomCheckpoint.Shape("StableLmForCausalLM", 64, 96, 2, 4, 4, 100, false, 1e4, 256, false);
        RandomCheckpoint.write(small, DType.BF16, 2, 7, dir);
        DecoderWeights w = DecoderWeights.load(dir);
        assertEquals(small.parameters(), w.parameterCount());
        try (StreamedCheckpoint streamed = StreamedCheckpoint.open(dir)) {
            assertEquals(small.parameters(), streamed.parameterCount(), "the zero norm biases count when streamed too");
        }
        assertNotNull(w.layers().get(1).mlpNormBias());
        assertNotNull(w.finalNormBias());
    }

    @Test
    void starcoder2HasItsPublishedSizeAndASmallOneLoadsWithAnUngatedMlp(@TempDir Path dir) {
        RandomCheckpoint.Shape s = RandomCheckpoint.SHAPES.get("starcoder2-3b");
        // 49152 × 3072 (tied) + 30 × (2 × 3072² + 2 × 3072 × 256 + 2 × 3072 × 12288 + 22,016 biases + 4 × 3072 norms) + 2 × 3072
        assertEquals(3_030_371_328L, s.parameters());
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(s, DType.BF16), "starcoder2-3b");
        assertEquals(Architecture.STARCODER2, c.architecture());
        assertEquals("gelu_pytorch_tanh", c.hiddenAct());
        assertEquals(4096, c.windowOf(0));
        RandomCheckpoint.Shape small = new RandomCheckpoint.Shape("Starcoder2ForCausalLM", 64, 96, 2, 4, 2, 100, true, 1e4, 256,
                true, 0, false, 0);
        RandomCheckpoint.write(small, DType.BF16, 2, 7, dir);
        DecoderWeights w = DecoderWeights.load(dir);
        assertNull(w.layers().get(0).gate());
        assertEquals(96, w.layers().get(1).ffnWidth());
        // the random biases of the linear layers are zeros, which read as absent; the LayerNorms' count
        long linearBiases = 2L * (64 + 2 * 32 + 64 + 96 + 64);
        assertEquals(small.parameters() - linearBiases, w.parameterCount());
    }

    @Test
    void minitron4bHasItsPublishedSizeAndASmallNemotronLoadsWithAnUngatedMlp(@TempDir Path dir) {
        RandomCheckpoint.Shape s = RandomCheckpoint.SHAPES.get("minitron-4b");
        // 2 × 256000 × 3072 (untied) + 32 × (2 × 3072² + 2 × 3072 × 1024 + 2 × 3072 × 9216 + 4 × 3072 norms) + 2 × 3072
        assertEquals(4_190_509_056L, s.parameters(), "Minitron-4B's 4.19B");
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(s, DType.BF16), "minitron-4b");
        assertEquals(Architecture.NEMOTRON, c.architecture());
        assertEquals(ModelConfig.Activation.RELU_SQUARED, c.mlpActivation());
        assertEquals(64, c.rotaryDim(), "half of head_dim 128");
        RandomCheckpoint.Shape small = new RandomCheckpoint.Shape("NemotronForCausalLM", 64, 96, 2, 4, 2, 100, false, 1e4, 256,
                false, 32, false, 0);
        RandomCheckpoint.write(small, DType.BF16, 2, 7, dir);
        DecoderWeights w = DecoderWeights.load(dir);
        assertNull(w.layers().get(0).gate());
        assertEquals(small.parameters(), w.parameterCount());
    }

    @Test
    void pythia1bHasItsPublishedSizeAndASmallGptNeoxLoads(@TempDir Path dir) {
        RandomCheckpoint.Shape s = RandomCheckpoint.SHAPES.get("pythia-1b");
        // 2 × 50304 × 2048 (untied) + 16 × (4 × 2048² + 4 × 2048 + 2 × 2048 × 8192 + 8192 + 2048 + 4 × 2048 norms) + 2 × 2048
        assertEquals(1_011_781_632L, s.parameters(), "Pythia-1B's 1.01B");
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(s, DType.BF16), "pythia-1b");
        assertEquals(Architecture.GPT_NEOX, c.architecture());
        assertTrue(c.parallelResidual());
        assertEquals(64, c.rotaryDim(), "a quarter of head_dim 256");
        RandomCheckpoint.Shape small = new RandomCheckpoint.Shape("GPTNeoXForCausalLM", 64, 96, 2, 4, 4, 100, false, 1e4, 256, true);
        RandomCheckpoint.write(small, DType.BF16, 2, 7, dir);
        DecoderWeights w = DecoderWeights.load(dir);
        assertEquals(96, w.layers().get(1).ffnWidth());
        // the random linear biases are zeros, which read as absent; the LayerNorms' count
        long linearBiases = 2L * (3 * 64 + 64 + 96 + 64);
        assertEquals(small.parameters() - linearBiases, w.parameterCount());
    }

    @Test
    void phi2HasItsPublishedSizeAndASmallPhiLoads(@TempDir Path dir) {
        RandomCheckpoint.Shape s = RandomCheckpoint.SHAPES.get("phi-2");
        // 2 × 51200 × 2560 (untied) + 51200 (lm_head.bias) + 32 × (4 × 2560² + 4 × 2560 + 2 × 2560 × 10240 + 10240 + 2560
        // + 2 × 2560 norm) + 2 × 2560: Phi-2's 2.78B
        assertEquals(2_779_683_840L, s.parameters());
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(s, DType.BF16), "phi-2");
        assertEquals(Architecture.PHI, c.architecture());
        assertTrue(c.parallelResidual());
        assertEquals(32, c.rotaryDim(), "0.4 of head_dim 80");
        RandomCheckpoint.Shape small = new RandomCheckpoint.Shape("PhiForCausalLM", 64, 96, 2, 4, 4, 100, false, 1e4, 256, true);
        RandomCheckpoint.write(small, DType.BF16, 2, 7, dir);
        DecoderWeights w = DecoderWeights.load(dir);
        assertEquals(96, w.layers().get(1).ffnWidth());
        // the random linear biases (lm_head's too) are zeros, which read as absent; the LayerNorms' count
        long linearBiases = 2L * (3 * 64 + 64 + 96 + 64) + 100;
        assertEquals(small.parameters() - linearBiases, w.parameterCount());
    }

    @Test
    void gptj6bHasItsSizeAndASmallGptjLoads(@TempDir Path dir) {
        RandomCheckpoint.Shape s = RandomCheckpoint.SHAPES.get("gpt-j-6b");
        // 2 × 50400 × 4096 (untied) + 50400 (lm_head.bias) + 28 × (4 × 4096² + 2 × 4096 × 16384 + 16384 + 4096 + 2 × 4096)
        // + 2 × 4096
        assertEquals(6_050_882_784L, s.parameters());
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(s, DType.BF16), "gpt-j-6b");
        assertEquals(Architecture.GPTJ, c.architecture());
        assertEquals(64, c.rotaryDim(), "rotary_dim 64 of head_dim 256");
        // head_dim 128 holds the shape's rotary_dim 64
        RandomCheckpoint.Shape small = new RandomCheckpoint.Shape("GPTJForCausalLM", 256, 96, 2, 2, 2, 100, false, 1e4, 256, false);
        RandomCheckpoint.write(small, DType.BF16, 2, 7, dir);
        DecoderWeights w = DecoderWeights.load(dir);
        assertEquals(96, w.layers().get(1).ffnWidth());
        // the random linear biases (lm_head's too) are zeros, which read as absent; the LayerNorms' count
        assertEquals(small.parameters() - 2L * (96 + 256) - 100, w.parameterCount());
    }

    @Test
    void falcon7bHasItsPublishedSizeAndASmallFalconLoads(@TempDir Path dir) {
        RandomCheckpoint.Shape s = RandomCheckpoint.SHAPES.get("falcon-7b");
        // 65024 × 4544 (tied) + 32 × ((71 + 2) × 64 × 4544 + 4544² + 2 × 4544 × 18176 + 2 × 4544) + 2 × 4544: Falcon-7B's 6.92B
        assertEquals(6_921_720_704L, s.parameters());
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(s, DType.BF16), "falcon-7b");
        assertEquals(Architecture.FALCON, c.architecture());
        assertEquals(1, c.numKvHeads());
        assertEquals(18176, c.intermediateSize(), "FalconConfig's 4 × hidden");
        RandomCheckpoint.Shape small = new RandomCheckpoint.Shape("FalconForCausalLM", 64, 256, 2, 4, 1, 100, true, 1e4, 256, false);
        RandomCheckpoint.write(small, DType.BF16, 2, 7, dir);
        DecoderWeights w = DecoderWeights.load(dir);
        assertEquals(256, w.layers().get(1).ffnWidth());
        assertEquals(small.parameters(), w.parameterCount());
    }

    @Test
    void opt13bHasItsPublishedSizeAndASmallOptLoads(@TempDir Path dir) {
        RandomCheckpoint.Shape s = RandomCheckpoint.SHAPES.get("opt-1.3b");
        // 50272 × 2048 (tied) + 2050 × 2048 positions + 24 × (4 × 2048² + 4 × 2048 + 2 × 2048 × 8192 + 8192 + 2048
        // + 4 × 2048 norms) + 2 × 2048: OPT-1.3B's 1.32B
        assertEquals(1_315_758_080L, s.parameters());
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(s, DType.BF16), "opt-1.3b");
        assertEquals(Architecture.OPT, c.architecture());
        assertEquals(ModelConfig.Activation.RELU, c.mlpActivation());
        RandomCheckpoint.Shape small = new RandomCheckpoint.Shape("OPTForCausalLM", 64, 96, 2, 4, 4, 100, true, 0, 256, true);
        RandomCheckpoint.write(small, DType.BF16, 2, 7, dir);
        DecoderWeights w = DecoderWeights.load(dir);
        assertEquals(258, w.positionEmbedding().dim(0));
        // the random linear biases are zeros, which read as absent; the LayerNorms' count
        assertEquals(small.parameters() - 2L * (4 * 64 + 96 + 64), w.parameterCount());
        java.util.Map<String, dev.secateur.checkpoint.Tensor> written = ArchitectureAdapter.of(w.config()).write(w);
        assertTrue(written.containsKey("model.decoder.layers.1.fc1.bias"), "enable_bias: zeros stated, not left to random init");
    }

    @Test
    void miniCpm2bHasItsPublishedSizeAndScalars() {
        RandomCheckpoint.Shape s = RandomCheckpoint.SHAPES.get("minicpm-2b");
        // 122753 × 2304 (tied) + 40 × (4 × 2304² + 3 × 2304 × 5760 + 2 × 2304) + 2304: MiniCPM-2B's 2.72B
        assertEquals(2_724_880_896L, s.parameters());
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(s, DType.BF16), "minicpm-2b");
        assertEquals(Architecture.MINICPM, c.architecture());
        assertEquals(12.0, c.embeddingScale());
        assertEquals(1.4 / Math.sqrt(40), c.residualMultiplier(), 1e-12);
        assertEquals(9.0, c.logitsScaling(), 1e-12, "2304 / 256");
    }

    @Test
    void internLm25HasItsPublishedSizeAndASmallOneLoadsThroughItsGroupedWqkv(@TempDir Path dir) {
        RandomCheckpoint.Shape s = RandomCheckpoint.SHAPES.get("internlm2.5-1.8b");
        // 2 × 92544 × 2048 (untied) + 24 × ((16 + 16) × 128 × 2048 + 2048² + 3 × 2048 × 8192 + 2 × 2048) + 2048
        assertEquals(1_889_110_016L, s.parameters(), "InternLM2.5-1.8B's 1.89B");
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(s, DType.BF16), "internlm2.5-1.8b");
        assertEquals(Architecture.INTERNLM2, c.architecture());
        assertEquals(128, c.headDim());
        RandomCheckpoint.Shape small = new RandomCheckpoint.Shape("InternLM2ForCausalLM", 64, 96, 2, 4, 2, 100, false, 1e4, 256, false);
        RandomCheckpoint.write(small, DType.BF16, 2, 7, dir);
        DecoderWeights w = DecoderWeights.load(dir);
        assertEquals(java.util.List.of(new LayerSizes(4, 2, 96), new LayerSizes(4, 2, 96)), w.layerSizes());
        assertEquals(small.parameters(), w.parameterCount());
    }

    @Test
    void graniteCarriesItsMultipliers() {
        RandomCheckpoint.Shape s = RandomCheckpoint.SHAPES.get("granite-3.3-2b");
        assertEquals(2_533_539_840L, s.parameters(), "Granite-3.3-2B's 2.53B");
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(s, DType.BF16), "granite-3.3-2b");
        assertEquals(Architecture.GRANITE, c.architecture());
        assertEquals(0.22, c.residualMultiplier());
        assertEquals(8.0, c.logitsScaling());
    }

    @Test
    void smolLm3HasItsPublishedSize() {
        RandomCheckpoint.Shape s = RandomCheckpoint.SHAPES.get("smollm3-3b");
        assertEquals(3_075_098_624L, s.parameters(), "SmolLM3-3B's 3.08B");
        ModelConfig c = ConfigReader.parse(RandomCheckpoint.config(s, DType.BF16), "smollm3-3b");
        assertEquals(Architecture.SMOLLM3, c.architecture());
        assertTrue(c.rotates(2) && !c.rotates(3), "every fourth layer is NoPE");
    }

    @Test
    void aSmallQwen3ShapeWritesAndLoadsWithItsQueryKeyNorms(@TempDir Path dir) {
        RandomCheckpoint.Shape s = new RandomCheckpoint.Shape("Qwen3ForCausalLM", 64, 96, 2, 4, 2, 100, true, 1e6, 256, false, 32, true, 0);
        RandomCheckpoint.write(s, DType.BF16, 2, 7, dir);
        DecoderWeights w = DecoderWeights.load(dir);
        assertEquals(32, w.headDim());
        assertEquals(s.parameters(), w.parameterCount());
        for (LayerWeights l : w.layers()) {
            assertEquals(32, l.qNorm().numel());
            assertNotNull(l.kNorm());
            assertEquals(4, l.numHeads(32));
        }
        assertNull(DecoderWeights.load(dir).layers().get(0).qBias());
    }
}
