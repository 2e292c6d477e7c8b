package dev.secateur.prune.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.events.Allocation;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerSizes;
import dev.secateur.model.LayerWeights;
import dev.secateur.model.StreamedCheckpoint;
import dev.secateur.model.TargetShape;
import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.prune.apply.HiddenSlicer;
import dev.secateur.prune.apply.StructuredSlicer;
import dev.secateur.prune.eval.DjlLanguageModel;
import dev.secateur.prune.eval.OrtLanguageModel;
import dev.secateur.prune.eval.Perplexity;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.prune.plan.HiddenPlan;
import dev.secateur.prune.plan.LayerPlan;
import dev.secateur.prune.plan.PruningPlan;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming engine pruned to a target shape on the llama-gqa fixture: it writes exactly the source cut by the
 * indices its plan records, the result loads as a uniform Hugging Face model whose config carries the shape, its ONNX
 * export scores the checkpoint's perplexity on ONNX Runtime, and bad shapes are refused before any work.
 */
class TargetShapePipelineTest {
    @TempDir
    Path tmp;

    PruneOptions options(String method, String compensation, String shape, String out) {
        return builder(method, compensation, shape, out).build();
    }

    PruneOptions.Builder builder(String method, String compensation, String shape, String out) {
        Path words = PrunePipelineTest.resource("text/words.txt");
        return PruneOptions.builder(Fixtures.dir("llama-gqa"), words, tmp.resolve(out)).tokenizer(PrunePipelineTest.resource("fixtures/tokenizer.json"))
                .samples(8).seqLen(16).seed(3).device("cpu").criterion(method).ratios(null, null, null).allocation(Allocation.UNIFORM)
                .compensation(compensation).miTokens(64).maxTokens(96).batchSize(4).calibrationMode(CalibrationMode.SEQUENTIAL)
                .evalText(words).evalSeqLen(16).evalMaxTokens(64).targetShape(TargetShape.parse(shape));
    }

    @Test
    void writesTheSourceCutByThePlansIndicesAndItsExportScoresAlike() {
        PruneResult r = PrunePipeline.run(options("wanda-sp", "none", "hidden=24,kv-heads=1,ffn=64,norm-scale=none", "cut"), ProgressListener.NONE);
        PruningPlan plan = PruningPlan.read(r.output().resolve("plan.json"));
        int[] kept = Arrays.stream(plan.settings().get("hidden.kept").replaceAll("[\\[\\] ]", "").split(",")).mapToInt(Integer::parseInt).toArray();
        assertEquals(24, kept.length);

        DecoderWeights src = DecoderWeights.load(Fixtures.dir("llama-gqa"));
        HiddenPlan cut = HiddenPlan.slicing(32, kept, 2);
        DecoderWeights got = DecoderWeights.load(r.output());
        assertTensor(HiddenSlicer.columns(src.tokenEmbedding(), cut), got.tokenEmbedding(), "embedding");
        for (int l = 0; l < 2; l++) {
            LayerPlan p = plan.layers().get(l);
            assertEquals(64, p.keptFfn().length);
            assertEquals(1, p.keptKvGroups().length);
            LayerWeights want = StructuredSlicer.sliceHeads(StructuredSlicer.sliceFfn(HiddenSlicer.slice(src.layers().get(l), cut, l), p.keptFfn()),
                    p.keptHeads(), p.keptKvGroups(), 8);
            LayerWeights have = got.layers().get(l);
            assertTensor(want.attnNorm(), have.attnNorm(), "input_layernorm " + l);
            assertTensor(want.q(), have.q(), "q " + l);
            assertTensor(want.k(), have.k(), "k " + l);
            assertTensor(want.v(), have.v(), "v " + l);
            assertTensor(want.o(), have.o(), "o " + l);
            assertTensor(want.mlpNorm(), have.mlpNorm(), "post_attention_layernorm " + l);
            assertTensor(want.gate(), have.gate(), "gate " + l);
            assertTensor(want.up(), have.up(), "up " + l);
            assertTensor(want.down(), have.down(), "down " + l);
        }
        assertTensor(HiddenSlicer.norm(src.finalNorm(), cut, 1), got.finalNorm(), "final norm");
        assertTensor(HiddenSlicer.columns(src.lmHead(), cut), got.lmHead(), "lm_head");
        assertEquals(r.parametersAfter(), got.parameterCount());

        ModelConfig c = ConfigReader.read(r.output());
        assertEquals(List.of(24, 64, 2, 1, 8, 2), List.of(c.hiddenSize(), c.intermediateSize(), c.numHeads(), c.numKvHeads(), c.headDim(), c.numLayers()));

        // the engine's own before/after pass, the reloaded checkpoint and its ONNX export score the same perplexity
        Path text = PrunePipelineTest.resource("text/words.txt");
        Path onnx = tmp.resolve("onnx");
        ArtifactWriter.writeFolder(r.output(), onnx, ArtifactWriter.Options.defaults(false));
        Perplexity ppl = new Perplexity(16, 64, 4);
        try (TextTokenizer tok = TextTokenizer.load(PrunePipelineTest.resource("fixtures/tokenizer.json"));
                DjlLanguageModel djl = new DjlLanguageModel(DecoderModel.load(r.output(), Device.cpu()));
                OrtLanguageModel ort = new OrtLanguageModel(OrtDecoder.open(onnx))) {
            double checkpoint = ppl.evaluate(djl, tok, text).perplexity(), exported = ppl.evaluate(ort, tok, text).perplexity();
            assertEquals(checkpoint, exported, 1e-4 * checkpoint, "ONNX Runtime vs the checkpoint");
            assertEquals(checkpoint, r.perplexityAfter(), 1e-4 * checkpoint, "the engine's evaluation of the pruned side");
        }
    }

    @Test
    void theDefaultsDropLayersFoldChannelsAndLoadUniform() throws java.io.IOException {
        PruneResult r = PrunePipeline.run(options("mi", "lsq", "layers=1,hidden=20,heads=2,ffn=48", "mi"), ProgressListener.NONE);
        PruningPlan plan = PruningPlan.read(r.output().resolve("plan.json"));
        assertEquals(1, plan.droppedLayers().length);
        // with the fold (lsq) the norm weights are left as they are by default
        assertTrue(plan.settings().get("hidden.normScale").startsWith("none"), plan.settings().toString());
        assertTrue(plan.settings().get("hidden.fold").startsWith("lsq"), plan.settings().toString());
        assertEquals("layers=1,hidden=20,heads=2,ffn=48", plan.settings().get("targetShape"));
        // lsq gave o_proj a bias: Llama's attention_bias switches q/k/v/o biases on together, the absent ones stored as zeros
        ModelConfig c = ConfigReader.read(r.output());
        assertTrue(c.raw().path("attention_bias").asBoolean() && c.raw().path("mlp_bias").asBoolean(), c.raw().toString());
        String index = java.nio.file.Files.readString(r.output().resolve("model.safetensors.index.json"));
        assertTrue(index.contains("model.layers.0.self_attn.q_proj.bias") && index.contains("model.layers.0.self_attn.o_proj.bias"), index);
        try (StreamedCheckpoint back = StreamedCheckpoint.open(r.output())) {
            assertEquals(List.of(new LayerSizes(2, 1, 48)), back.layerSizes());
            assertEquals(20, back.config().hiddenSize());
            assertEquals(r.parametersAfter(), back.parameterCount());
        }
        assertTrue(Double.isFinite(r.perplexityAfter()) && r.perplexityAfter() > 0, r.toString());
        assertNotNull(r.agreement());
    }

    @Test
    void shapesTheModelCannotTakeAreRefusedNamingTheSize() {
        assertRefused("hidden=33", "hidden=33 is more than the model's hidden size 32");
        assertRefused("layers=3", "layers=3 is more than the model's 2 layers");
        assertRefused("ffn=97", "ffn=97 is more than the model's 96 FFN neurons");
        assertRefused("heads=3", "heads=3 is not a multiple of the model's 2 query heads per key/value head");
        assertRefused("heads=2,kv-heads=2", "heads=2 must be kv-heads × 2 = 4");
        assertRefused("kv-heads=3", "kv-heads=3 is more than the model's 2 key/value heads");
        IllegalArgumentException taylor = assertThrows(IllegalArgumentException.class,
                () -> PrunePipeline.spec(options("taylor", "none", "hidden=16", "t")));
        assertTrue(taylor.getMessage().contains("taylor has no score for hidden channels"), taylor.getMessage());
        IllegalArgumentException dense = assertThrows(IllegalArgumentException.class,
                () -> PrunePipeline.spec(builder("mi", "lsq", "hidden=16", "d").calibrationMode(CalibrationMode.DENSE).build()));
        assertTrue(dense.getMessage().contains("calibration mode must be sequential"), dense.getMessage());
    }

    private void assertRefused(String shape, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PrunePipeline.spec(options("magnitude", "none", shape, "x")));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    private static void assertTensor(Tensor want, Tensor got, String what) {
        assertArrayEquals(want.shape(), got.shape(), what + " shape");
        assertArrayEquals(want.data(), got.data(), 0f, what);
    }
}
