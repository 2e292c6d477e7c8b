package dev.secateur.prune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.events.RequestValidationException;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.json.Json;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerSizes;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.eval.DjlLanguageModel;
import dev.secateur.prune.eval.OrtLanguageModel;
import dev.secateur.prune.eval.Perplexity;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each decoder architecture through the runner the CLI and the service share: a structured prune (FFN neurons and a
 * KV group, mi + lsq) of its fixture, the written checkpoint, and its ONNX export scoring like it on ONNX Runtime.
 */
class ArchitecturesRunTest {
    static final Path TEXT = WeightSparsityRunTest.TEXT;
    static final Path TOKENIZER = WeightSparsityRunTest.TOKENIZER;

    @TempDir
    Path tmp;

    private Path model(String fixture) throws IOException {
        return model(fixture, switch (fixture) {
            case "olmo2" -> dev.secateur.testsupport.Fixtures.olmo2();
            case "olmo3" -> dev.secateur.testsupport.Fixtures.olmo3();
            case "gemma" -> dev.secateur.testsupport.Fixtures.gemma();
            case "stablelm" -> dev.secateur.testsupport.Fixtures.stablelm();
            case "starcoder2" -> dev.secateur.testsupport.Fixtures.starcoder2();
            case "nemotron" -> dev.secateur.testsupport.Fixtures.nemotron();
            case "gpt-neox" -> dev.secateur.testsupport.Fixtures.gptNeox();
            case "minicpm" -> dev.secateur.testsupport.Fixtures.minicpm();
            case "internlm2" -> dev.secateur.testsupport.Fixtures.internlm2();
            case "phi" -> dev.secateur.testsupport.Fixtures.phi();
            case "gptj" -> dev.secateur.testsupport.Fixtures.gptj();
            case "falcon" -> dev.secateur.testsupport.Fixtures.falcon();
            case "falcon-new-decoder" -> dev.secateur.testsupport.Fixtures.falconNewDecoder();
            case "opt" -> dev.secateur.testsupport.Fixtures.opt();
            default -> dev.secateur.testsupport.Fixtures.dir(fixture);
        });
    }

    private Path model(String fixture, Path source) throws IOException {
        Path dst = tmp.resolve(fixture);
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        Files.copy(TOKENIZER, dst.resolve("tokenizer.json"));
        return dst;
    }

    /** The pruned folder's perplexity on DJL and on ONNX Runtime agree; returns the export's context. */
    private static int assertDjlScoresLikeOnnxRuntime(Path out, int seqLen) throws IOException {
        Perplexity ppl = new Perplexity(seqLen, 0, 2);
        try (TextTokenizer tok = TextTokenizer.load(TOKENIZER);
                DjlLanguageModel djl = new DjlLanguageModel(DecoderModel.load(out, Device.cpu()));
                OrtLanguageModel ort = new OrtLanguageModel(OrtDecoder.open(out))) {
            Perplexity.Result a = ppl.evaluate(djl, tok, TEXT), b = ppl.evaluate(ort, tok, TEXT);
            assertEquals(a.tokens(), b.tokens());
            assertEquals(a.perplexity(), b.perplexity(), 1e-4 * a.perplexity(), out.toString());
            return ort.contextLength();
        }
    }

    private static ObjectNode structured(Path model) {
        return WeightSparsityRunTest.request(model, "mi").put("ffnRatio", 0.25).put("headRatio", 0.5).put("compensation", "lsq");
    }

    private JobOutcome run(Path model, JsonNode json, Path out) throws IOException {
        Files.createDirectories(out);
        return new PipelineJobRunner().prune(new PruneTask("t", dev.secateur.events.PruneRequest.parseValid(json), model, TEXT, TEXT, out,
                "cpu", true), JobProgress.NONE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "qwen3", "mistral", "phi3", "gemma", "gemma2", "gemma3", "smollm3", "granite", "olmo2", "olmo3", "starcoder2", "nemotron", "minicpm"})
    void structuredPruneExportsAModelThatScoresLikeThePrunedCheckpoint(String fixture) throws IOException {
        Path model = model(fixture), out = tmp.resolve(fixture + "-pruned");
        run(model, structured(model), out);

        DecoderWeights dense = DecoderWeights.load(model), pruned = DecoderWeights.load(out);
        assertEquals(dense.config().architecture(), pruned.config().architecture());
        assertEquals(dense.headDim(), pruned.headDim());
        assertEquals(List.of(new LayerSizes(2, 1, 72), new LayerSizes(2, 1, 72)), pruned.layerSizes());
        JsonNode config = Json.mapper().readTree(out.resolve("config.json").toFile());
        assertEquals(dense.config().raw().get("architectures"), config.get("architectures"));
        if (dense.config().architecture().qkNormSpansHeads()) {
            // OLMo 2's norms weigh every q / k row: each kept head keeps its own block of head_dim weights
            int d = dense.headDim();
            for (int l = 0; l < 2; l++) {
                LayerWeights q = pruned.layers().get(l), full = dense.layers().get(l);
                assertEquals(2 * d, q.qNorm().numel());
                assertEquals(d, q.kNorm().numel());
                assertTrue(q.qkNormSpansHeads());
                for (int h = 0; h < 2; h++) {
                    float[] kept = java.util.Arrays.copyOfRange(q.qNorm().data(), h * d, (h + 1) * d);
                    boolean found = false;
                    for (int o = 0; o < 4; o++) {
                        found |= java.util.Arrays.equals(kept, java.util.Arrays.copyOfRange(full.qNorm().data(), o * d, (o + 1) * d));
                    }
                    assertTrue(found, "layer " + l + " kept head " + h + "'s q_norm weights are one dense head's");
                }
            }
        } else if (dense.config().architecture().hasQkNorm()) {
            // the norms are per head_dim and shared by every head: written under Qwen3's names, unchanged by head pruning
            try (Checkpoint ck = Checkpoint.open(out)) {
                for (int l = 0; l < 2; l++) {
                    String p = "model.layers." + l + ".self_attn.";
                    assertTrue(ck.has(p + "q_norm.weight") && ck.has(p + "k_norm.weight"), p);
                }
            }
            for (int l = 0; l < 2; l++) {
                LayerWeights d = dense.layers().get(l), q = pruned.layers().get(l);
                assertEquals(java.util.Arrays.toString(d.qNorm().data()), java.util.Arrays.toString(q.qNorm().data()));
                assertEquals(java.util.Arrays.toString(d.kNorm().data()), java.util.Arrays.toString(q.kNorm().data()));
            }
            assertEquals(dense.headDim(), config.get("head_dim").asInt());
            if (dense.config().architecture() == dev.secateur.checkpoint.Architecture.QWEN3) {
                assertTrue(config.get("tie_word_embeddings").asBoolean());
            }
        }
        if (dense.config().slidingWindow() != null) {
            assertEquals(dense.config().slidingWindow(), config.get("sliding_window").asInt());
        }
        for (String key : List.of("embedding_multiplier", "attention_multiplier", "residual_multiplier", "logits_scaling")) {
            assertEquals(dense.config().raw().get(key), config.get(key), key + " carried as it was");
        }
        if (dense.config().architecture() == dev.secateur.checkpoint.Architecture.PHI3) {
            // written back in Phi-3's fused layout: [q; k; v] and [gate; up], with the pruned sizes
            try (Checkpoint ck = Checkpoint.open(out)) {
                for (int l = 0; l < 2; l++) {
                    String p = "model.layers." + l + ".";
                    assertEquals(List.of((2 + 2 * 1) * dense.headDim(), 32), java.util.Arrays.stream(
                            ck.shape(p + "self_attn.qkv_proj.weight")).boxed().toList());
                    assertEquals(List.of(2 * 72, 32), java.util.Arrays.stream(ck.shape(p + "mlp.gate_up_proj.weight")).boxed().toList());
                    assertFalse(ck.has(p + "self_attn.q_proj.weight") || ck.has(p + "mlp.up_proj.weight"), p);
                }
            }
        }

        assertEquals(dense.config().contextLength(), assertDjlScoresLikeOnnxRuntime(out, 16),
                "the export's max positions are the model's context");
        JsonNode report = Json.mapper().readTree(out.resolve("report.json").toFile());
        assertTrue(report.get("summary").get("paramsAfter").asLong() < report.get("summary").get("paramsBefore").asLong());
        try (OrtDecoder d = OrtDecoder.open(out)) {
            assertEquals(dense.config().architecture().hfName(), d.metadata().get(dev.secateur.onnx.ModelExport.ARCHITECTURE));
        }
    }

    /**
     * Gemma 2's and OLMo 2's post norms see the residual width, the first Gemma's embeddings are scaled by √hidden, and
     * StableLM's and StarCoder2's LayerNorms centre over every channel, so a hidden cut is refused before any work,
     * naming the field.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gemma", "gemma2", "olmo2", "stablelm", "starcoder2", "nemotron", "gpt-neox"})
    void aHiddenCutWithPostNormsIsRefusedNamingTargetShape(String fixture) throws IOException {
        Path model = model(fixture);
        ObjectNode req = WeightSparsityRunTest.request(model, "magnitude").put("compensation", "lsq")
                .put("targetShape", "hidden=24");
        req.remove("ffnRatio");
        dev.secateur.events.FieldException e = assertThrows(dev.secateur.events.FieldException.class,
                () -> run(model, req, tmp.resolve(fixture + "-hidden")));
        assertEquals("targetShape", e.field());
        assertTrue(e.getMessage().contains(dev.secateur.checkpoint.ConfigReader.read(model).architecture().hfName()), e.getMessage());
    }

    /** OLMo 2 loses a layer: nothing can absorb it (the next MLP output passes a norm), and plan.json says why. */
    @Test
    void aDroppedOlmo2LayerIsNotCompensatedAndThePlanSaysWhy() throws IOException {
        Path model = model("olmo2"), out = tmp.resolve("olmo2-drop");
        run(model, structured(model).put("dropLayers", 1), out);
        assertEquals(1, DecoderWeights.load(out).layers().size());
        JsonNode plan = Json.mapper().readTree(out.resolve("plan.json").toFile());
        assertTrue(plan.toString().contains("OLMo 2 block's MLP output passes post_feedforward_layernorm"), plan.toString());
        assertDjlScoresLikeOnnxRuntime(out, 16);
    }

    /**
     * The first Gemma has no post norms, so a dropped layer meets the rule a Llama's does, not Gemma 2's: here the
     * last layer goes, and the plan says nothing follows it to absorb it (rather than that a norm is in the way).
     */
    @Test
    void aDroppedGemmaLayerMeetsLlamasRuleNotGemma2s() throws IOException {
        Path model = model("gemma"), out = tmp.resolve("gemma-drop");
        run(model, structured(model).put("dropLayers", 1), out);
        JsonNode plan = Json.mapper().readTree(out.resolve("plan.json").toFile());
        assertEquals("[1]", plan.get("droppedLayers").toString());
        assertEquals("not compensated: no kept block follows it (the blocks before it are already written)",
                plan.get("settings").get("layerDrop.compensation.layer1").asText(), plan.toString());
        assertEquals(1, DecoderWeights.load(out).layers().size());
        assertDjlScoresLikeOnnxRuntime(out, 16);
    }

    /** sparsellm's coupled FFN updates are derived for silu(gate)·up: Gemma 2's GeGLU is refused, naming the method. */
    @Test
    void sparseLlmOnGemma2IsRefusedNamingTheMethod() throws IOException {
        Path model = model("gemma2");
        ObjectNode req = WeightSparsityRunTest.request(model, "sparsellm").put("sparsity", 0.5);
        dev.secateur.events.FieldException e = assertThrows(dev.secateur.events.FieldException.class,
                () -> run(model, req, tmp.resolve("gemma2-sparsellm")));
        assertEquals("method", e.field());
        assertTrue(e.getMessage().contains("gelu_pytorch_tanh"), e.getMessage());
    }

    /**
     * Mistral's and Qwen3's Hugging Face code builds down_proj (and Qwen3's o_proj without attention_bias) with no bias:
     * lsq refits the kept weights alone, so the checkpoint holds no tensor transformers would drop and states no
     * mlp_bias; bias compensation, which would have nowhere to go, is refused naming the field.
     */
    @ParameterizedTest
    @ValueSource(strings = {"mistral", "qwen3"})
    void compensationLeavesNoBiasWhereTransformersReadsNone(String fixture) throws IOException {
        Path model = model(fixture), out = tmp.resolve(fixture + "-lsq");
        run(model, WeightSparsityRunTest.request(model, "mi").put("ffnRatio", 0.25).put("compensation", "lsq"), out);
        DecoderWeights dense = DecoderWeights.load(model), pruned = DecoderWeights.load(out);
        assertTrue(pruned.layers().stream().allMatch(l -> l.downBias() == null), "no down_proj bias");
        for (int l = 0; l < dense.layers().size(); l++) {
            assertEquals(dense.layers().get(l).oBias(), pruned.layers().get(l).oBias(), "o_proj untouched");
        }
        JsonNode config = Json.mapper().readTree(out.resolve("config.json").toFile());
        assertFalse(config.path("mlp_bias").asBoolean(false));
        assertDjlScoresLikeOnnxRuntime(out, 16);
        ObjectNode bias = WeightSparsityRunTest.request(model, "mi").put("ffnRatio", 0.25).put("compensation", "bias");
        dev.secateur.events.FieldException e = assertThrows(dev.secateur.events.FieldException.class,
                () -> run(model, bias, tmp.resolve(fixture + "-bias")));
        assertEquals("compensation", e.field());
        assertTrue(e.getMessage().contains(dense.config().architecture().hfName()), e.getMessage());
    }

    /**
     * GPT-2 and StableLM lose FFN neurons and a layer: the written config states the pruned width where their Hugging
     * Face code reads it (n_inner, intermediate_size), so transformers loads the checkpoint (scripts/hf_parity.py), and
     * the export scores like it. Heads are refused, naming the field: transformers 5 derives their head size from
     * hidden / heads (GPT-2's pruned_heads is gone).
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "stablelm"})
    void gpt2AndStableLmStateTheirPrunedWidthAndRefuseHeads(String fixture) throws IOException {
        Path model = model(fixture), out = tmp.resolve(fixture + "-ffn");
        run(model, WeightSparsityRunTest.request(model, "mi").put("ffnRatio", 0.25).put("headRatio", 0.0).put("dropLayers", 1), out);
        DecoderWeights dense = DecoderWeights.load(model), pruned = DecoderWeights.load(out);
        int width = dense.layerSizes().get(0).ffn();
        assertEquals(List.of(new LayerSizes(dense.layerSizes().get(0).heads(), dense.layerSizes().get(0).kvHeads(),
                width - Math.round(0.25f * width))), pruned.layerSizes());
        JsonNode config = Json.mapper().readTree(out.resolve("config.json").toFile());
        String widthKey = fixture.equals("gpt2") ? "n_inner" : "intermediate_size";
        assertEquals(pruned.layerSizes().get(0).ffn(), config.get(widthKey).asInt(), widthKey);
        assertEquals(1, config.get(fixture.equals("gpt2") ? "n_layer" : "num_hidden_layers").asInt());
        assertDjlScoresLikeOnnxRuntime(out, 16);
        dev.secateur.events.FieldException e = assertThrows(dev.secateur.events.FieldException.class,
                () -> run(model, structured(model), tmp.resolve(fixture + "-heads")));
        assertEquals("headRatio", e.field());
        assertTrue(e.getMessage().contains(dense.config().architecture().hfName() + " cannot load"), e.getMessage());
    }

    /**
     * GPT-NeoX (the parallel block) loses FFN neurons and a layer, with lsq; the checkpoint keeps its interleaved layout
     * and config, and the export scores like it. Heads are refused, naming the field: Hugging Face could not load them.
     */
    @Test
    void aGptNeoxPrunesFfnNeuronsAndALayerAndRefusesHeads() throws IOException {
        Path model = model("gpt-neox"), out = tmp.resolve("gpt-neox-pruned");
        ObjectNode req = WeightSparsityRunTest.request(model, "mi").put("ffnRatio", 0.25).put("headRatio", 0.0)
                .put("compensation", "lsq").put("dropLayers", 1);
        run(model, req, out);
        DecoderWeights pruned = DecoderWeights.load(out);
        assertEquals(List.of(new LayerSizes(4, 4, 72)), pruned.layerSizes());
        try (Checkpoint ck = Checkpoint.open(out)) {
            assertEquals(List.of(3 * 4 * 8, 32), java.util.Arrays.stream(ck.shape("gpt_neox.layers.0.attention.query_key_value.weight"))
                    .boxed().toList());
            assertTrue(ck.has("gpt_neox.layers.0.mlp.dense_h_to_4h.bias") && ck.has("embed_out.weight"));
        }
        JsonNode config = Json.mapper().readTree(out.resolve("config.json").toFile());
        assertEquals("GPTNeoXForCausalLM", config.get("architectures").get(0).asText());
        assertEquals(72, config.get("intermediate_size").asInt());
        assertEquals(1, config.get("num_hidden_layers").asInt());
        assertDjlScoresLikeOnnxRuntime(out, 16);
        for (String field : new String[] {"headRatio", "maskStructures"}) {
            ObjectNode heads = structured(model);
            if (field.equals("maskStructures")) {
                heads = WeightSparsityRunTest.request(model, "mask-opt").put("headRatio", 0.0).put("paramRatio", 0.2)
                        .put("allocation", "global").put("maskStructures", "ffn,kv-groups");
            }
            ObjectNode request = heads;
            dev.secateur.events.FieldException e = assertThrows(dev.secateur.events.FieldException.class,
                    () -> run(model, request, tmp.resolve("gpt-neox-" + field)));
            assertEquals(field, e.field());
            assertTrue(e.getMessage().contains("GPTNeoXForCausalLM cannot load"), e.getMessage());
        }
    }

    /**
     * Phi (one norm, attention and MLP side by side, biases everywhere, lm_head with a bias) loses FFN neurons and a
     * layer, with lsq: the checkpoint keeps Phi's names with every bias stated, the output bias is carried as it was,
     * and the export scores like it. Heads and hidden cuts are refused, naming the field.
     */
    @Test
    void aPhiPrunesFfnNeuronsAndALayerKeepsItsOutputBiasAndRefusesHeadsAndHiddenCuts() throws IOException {
        Path model = model("phi"), out = tmp.resolve("phi-pruned");
        run(model, WeightSparsityRunTest.request(model, "mi").put("ffnRatio", 0.25).put("compensation", "lsq")
                .put("dropLayers", 1), out);
        DecoderWeights dense = DecoderWeights.load(model), pruned = DecoderWeights.load(out);
        assertEquals(List.of(new LayerSizes(4, 4, 72)), pruned.layerSizes());
        assertEquals(java.util.Arrays.toString(dense.lmHeadBias().data()), java.util.Arrays.toString(pruned.lmHeadBias().data()));
        try (Checkpoint ck = Checkpoint.open(out)) {
            for (String name : new String[] {"model.layers.0.self_attn.dense.bias", "model.layers.0.mlp.fc1.bias",
                    "model.layers.0.mlp.fc2.bias", "model.final_layernorm.bias", "lm_head.bias"}) {
                assertTrue(ck.has(name), name);
            }
            assertFalse(ck.names().stream().anyMatch(n -> n.contains("post_attention_layernorm") || n.contains("gate")));
        }
        JsonNode config = Json.mapper().readTree(out.resolve("config.json").toFile());
        assertEquals("PhiForCausalLM", config.get("architectures").get(0).asText());
        assertEquals(72, config.get("intermediate_size").asInt());
        assertEquals(1, config.get("num_hidden_layers").asInt());
        assertTrue(pruned.parameterCount() < dense.parameterCount());
        assertDjlScoresLikeOnnxRuntime(out, 16);
        ObjectNode sheared = WeightSparsityRunTest.request(model, "magnitude").put("targetShape", "hidden=24");
        sheared.remove("ffnRatio");
        for (ObjectNode refused : List.of(structured(model), sheared)) {
            dev.secateur.events.FieldException e = assertThrows(dev.secateur.events.FieldException.class,
                    () -> run(model, refused, tmp.resolve("phi-refused")));
            assertEquals(refused.has("targetShape") ? "targetShape" : "headRatio", e.field());
            assertTrue(e.getMessage().contains("PhiForCausalLM"), e.getMessage());
        }
    }

    /**
     * GPT-J loses FFN neurons and a layer, with lsq: the checkpoint keeps GPT-J's names, its q/k rows back in GPT-J's
     * interleaved order (the kept layer's q_proj is the source's, unchanged), n_inner and n_layer restated; the export
     * scores like it. Heads are refused, naming the field.
     */
    @Test
    void aGptjPrunesFfnNeuronsAndALayerKeepsItsRotaryLayoutAndRefusesHeads() throws IOException {
        Path model = model("gptj"), out = tmp.resolve("gptj-pruned");
        run(model, WeightSparsityRunTest.request(model, "mi").put("ffnRatio", 0.25).put("compensation", "lsq")
                .put("dropLayers", 1), out);
        DecoderWeights pruned = DecoderWeights.load(out);
        assertEquals(List.of(new LayerSizes(4, 4, 72)), pruned.layerSizes());
        try (Checkpoint src = Checkpoint.open(model); Checkpoint ck = Checkpoint.open(out)) {
            float[] q = ck.tensor("transformer.h.0.attn.q_proj.weight").data();
            boolean sameAsASource = java.util.Arrays.equals(q, src.tensor("transformer.h.0.attn.q_proj.weight").data())
                    || java.util.Arrays.equals(q, src.tensor("transformer.h.1.attn.q_proj.weight").data());
            assertTrue(sameAsASource, "the kept layer's q_proj written back in GPT-J's row order");
            assertTrue(ck.has("transformer.h.0.mlp.fc_out.bias") && ck.has("lm_head.bias"));
        }
        JsonNode config = Json.mapper().readTree(out.resolve("config.json").toFile());
        assertEquals(72, config.get("n_inner").asInt());
        assertEquals(1, config.get("n_layer").asInt());
        assertDjlScoresLikeOnnxRuntime(out, 16);
        dev.secateur.events.FieldException e = assertThrows(dev.secateur.events.FieldException.class,
                () -> run(model, structured(model), tmp.resolve("gptj-heads")));
        assertEquals("headRatio", e.field());
        assertTrue(e.getMessage().contains("GPTJForCausalLM cannot load"), e.getMessage());
    }

    /**
     * Falcon, multi-query and new-decoder, loses FFN neurons and a layer, with lsq: the checkpoint keeps the fused
     * query_key_value layout, ffn_hidden_size and num_hidden_layers restated; a compensated dense bias (bias compensation)
     * switches bias on with zeros for the others; the export scores like it. Heads are refused, naming the field.
     */
    @ParameterizedTest
    @ValueSource(strings = {"falcon", "falcon-new-decoder"})
    void aFalconPrunesFfnNeuronsAndALayerAndRefusesHeads(String fixture) throws IOException {
        Path model = model(fixture), out = tmp.resolve(fixture + "-pruned");
        run(model, WeightSparsityRunTest.request(model, "mi").put("ffnRatio", 0.25).put("compensation", "lsq")
                .put("dropLayers", 1), out);
        DecoderWeights dense = DecoderWeights.load(model), pruned = DecoderWeights.load(out);
        int kv = dense.config().numKvHeads();
        assertEquals(List.of(new LayerSizes(4, kv, 72)), pruned.layerSizes());
        try (Checkpoint ck = Checkpoint.open(out)) {
            assertEquals(List.of((4 + 2 * kv) * 8, 32), java.util.Arrays.stream(ck.shape("transformer.h.0.self_attention.query_key_value.weight"))
                    .boxed().toList());
        }
        JsonNode config = Json.mapper().readTree(out.resolve("config.json").toFile());
        assertEquals(72, config.get("ffn_hidden_size").asInt());
        assertEquals(1, config.get("num_hidden_layers").asInt());
        assertDjlScoresLikeOnnxRuntime(out, 16);

        Path biased = tmp.resolve(fixture + "-bias");
        run(model, WeightSparsityRunTest.request(model, "wanda-sp").put("ffnRatio", 0.25).put("compensation", "bias"), biased);
        assertTrue(Json.mapper().readTree(biased.resolve("config.json").toFile()).get("bias").asBoolean());
        try (Checkpoint ck = Checkpoint.open(biased)) {
            assertTrue(ck.has("transformer.h.1.mlp.dense_4h_to_h.bias") && ck.has("transformer.h.1.self_attention.query_key_value.bias"));
        }
        assertDjlScoresLikeOnnxRuntime(biased, 16);
        dev.secateur.events.FieldException e = assertThrows(dev.secateur.events.FieldException.class,
                () -> run(model, structured(model), tmp.resolve(fixture + "-heads")));
        assertEquals("headRatio", e.field());
        assertTrue(e.getMessage().contains("FalconForCausalLM cannot load"), e.getMessage());
    }

    /**
     * OPT (learned positions two rows in, ReLU, biases everywhere) loses FFN neurons and a layer, with lsq: the
     * checkpoint keeps OPT's names and whole position table, ffn_dim and num_hidden_layers restated; the export scores
     * like it. Heads are refused, naming the field.
     */
    @Test
    void anOptPrunesFfnNeuronsAndALayerAndRefusesHeads() throws IOException {
        Path model = model("opt"), out = tmp.resolve("opt-pruned");
        run(model, WeightSparsityRunTest.request(model, "mi").put("ffnRatio", 0.25).put("compensation", "lsq")
                .put("dropLayers", 1), out);
        DecoderWeights dense = DecoderWeights.load(model), pruned = DecoderWeights.load(out);
        assertEquals(List.of(new LayerSizes(4, 4, 72)), pruned.layerSizes());
        assertEquals(java.util.Arrays.toString(dense.positionEmbedding().data()), java.util.Arrays.toString(pruned.positionEmbedding().data()));
        JsonNode config = Json.mapper().readTree(out.resolve("config.json").toFile());
        assertEquals(72, config.get("ffn_dim").asInt());
        assertEquals(1, config.get("num_hidden_layers").asInt());
        try (Checkpoint ck = Checkpoint.open(out)) {
            assertTrue(ck.has("model.decoder.layers.0.fc2.bias") && ck.has("model.decoder.final_layer_norm.bias"));
        }
        assertDjlScoresLikeOnnxRuntime(out, 16);
        dev.secateur.events.FieldException e = assertThrows(dev.secateur.events.FieldException.class,
                () -> run(model, structured(model), tmp.resolve("opt-heads")));
        assertEquals("headRatio", e.field());
        assertTrue(e.getMessage().contains("OPTForCausalLM cannot load"), e.getMessage());
    }

    /**
     * InternLM2 loses FFN neurons and a layer, with lsq, and keeps its grouped wqkv; heads and hidden cuts are refused,
     * naming the field, because its Hugging Face code derives the head size from hidden_size / num_attention_heads.
     */
    @Test
    void anInternLm2PrunesFfnNeuronsAndALayerAndRefusesHeadsAndHiddenCuts() throws IOException {
        Path model = model("internlm2"), out = tmp.resolve("internlm2-pruned");
        run(model, WeightSparsityRunTest.request(model, "mi").put("ffnRatio", 0.25).put("compensation", "lsq")
                .put("dropLayers", 1), out);
        assertEquals(List.of(new LayerSizes(4, 2, 72)), DecoderWeights.load(out).layerSizes());
        try (Checkpoint ck = Checkpoint.open(out)) {
            assertEquals(List.of((4 + 2 * 2) * 8, 32), java.util.Arrays.stream(ck.shape("model.layers.0.attention.wqkv.weight"))
                    .boxed().toList());
            assertTrue(ck.has("model.layers.0.feed_forward.w1.weight") && ck.has("output.weight"));
        }
        assertDjlScoresLikeOnnxRuntime(out, 16);
        ObjectNode sheared = WeightSparsityRunTest.request(model, "magnitude").put("targetShape", "hidden=24");
        sheared.remove("ffnRatio");
        for (ObjectNode refused : List.of(structured(model), sheared)) {
            dev.secateur.events.FieldException e = assertThrows(dev.secateur.events.FieldException.class,
                    () -> run(model, refused, tmp.resolve("internlm2-refused")));
            assertEquals(refused.has("targetShape") ? "targetShape" : "headRatio", e.field());
            assertTrue(e.getMessage().contains("InternLM2ForCausalLM"), e.getMessage());
        }
    }

    /** StarCoder2's and Nemotron's MLPs have no gate for sparsellm's coupled updates: refused, naming the method. */
    @ParameterizedTest
    @ValueSource(strings = {"starcoder2", "nemotron", "gpt-neox", "phi", "gptj", "falcon", "opt"})
    void sparseLlmOnAnUngatedMlpIsRefusedNamingTheMethod(String fixture) throws IOException {
        Path model = model(fixture);
        ObjectNode req = WeightSparsityRunTest.request(model, "sparsellm").put("sparsity", 0.5);
        dev.secateur.events.FieldException e = assertThrows(dev.secateur.events.FieldException.class,
                () -> run(model, req, tmp.resolve(fixture + "-sparsellm")));
        assertEquals("method", e.field());
        assertTrue(e.getMessage().contains("'s FFN has no gate"), e.getMessage());
    }

    /**
     * Phi-4-mini's rotary layout (longrope over a partial rotary part) through an FFN prune and its export. Heads are
     * refused naming the field: transformers 5 checks longrope's factor lists against hidden_size / num_attention_heads
     * before it reads head_dim, so it would refuse the pruned config (scripts/check-transformers.sh shows it).
     */
    @Test
    void aPhi3WithLongropePrunesFfnNeuronsAndRefusesHeads() throws IOException {
        Path model = model("phi3-longrope-partial", dev.secateur.testsupport.Fixtures.phi3Rotary("longrope-partial"));
        Path out = tmp.resolve("phi3-longrope-partial-pruned");
        run(model, structured(model).put("headRatio", 0.0), out);
        JsonNode config = Json.mapper().readTree(out.resolve("config.json").toFile());
        assertEquals(0.5, config.get("partial_rotary_factor").asDouble());
        assertEquals("longrope", config.get("rope_scaling").get("type").asText());
        assertEquals(128, assertDjlScoresLikeOnnxRuntime(out, 16), "longrope's original length is the export's context");
        dev.secateur.events.FieldException e = assertThrows(dev.secateur.events.FieldException.class,
                () -> run(model, structured(model), tmp.resolve("phi3-longrope-heads")));
        assertEquals("headRatio", e.field());
        assertTrue(e.getMessage().contains("Phi3ForCausalLM with longrope cannot load"), e.getMessage());
    }

    /**
     * The criteria that go beyond activations and weights, on the blocks added last: Taylor (gradients through
     * relu², the exact GELU and the parallel block), mask-opt (forward passes with masks), fusion, and the per-linear
     * weight sparsifiers (SparseGPT's sequential updates re-run each block). Every run writes a model that scores on
     * ONNX Runtime as it does on DJL.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"gemma,taylor", "stablelm,mask-opt", "starcoder2,taylor", "starcoder2,sparsegpt",
        "nemotron,taylor", "nemotron,mask-opt", "gpt-neox,taylor", "gpt-neox,sparsegpt", "gpt-neox,fusion", "minicpm,wanda",
        "phi,taylor", "phi,mask-opt", "phi,flap", "gptj,taylor", "gptj,sparsegpt", "gptj,wanda-sp",
        "falcon,taylor", "falcon,mask-opt", "falcon-new-decoder,flap", "opt,sparsegpt", "opt,wanda", "opt,taylor", "opt,mask-opt"})
    void otherCriteriaRunOnTheNewerBlocks(String fixture, String method) throws IOException {
        Path model = model(fixture), out = tmp.resolve(fixture + "-" + method);
        ObjectNode req = WeightSparsityRunTest.request(model, method);
        switch (method) {
            case "sparsegpt", "wanda" -> req.put("sparsity", 0.5);
            case "mask-opt" -> req.put("ffnRatio", 0.25).put("maskIterations", 3).put("maskSamples", 2).put("compensation", "lsq");
            default -> req.put("ffnRatio", 0.25).put("compensation", "lsq");
        }
        run(model, req, out);
        DecoderWeights dense = DecoderWeights.load(model), pruned = DecoderWeights.load(out);
        assertTrue(pruned.parameterCount() < dense.parameterCount() || method.equals("sparsegpt") || method.equals("wanda"));
        assertDjlScoresLikeOnnxRuntime(out, 16);
    }

    /**
     * MiniCPM's update scale is scale_depth / √num_hidden_layers and its logits scale hidden_size / dim_model_base: a
     * model that lost a layer, or hidden channels, must restate both so that it computes with the source's scalars.
     */
    @Test
    void miniCpmKeepsItsScalarsWhenALayerOrHiddenChannelsGo() throws IOException {
        Path model = model("minicpm");
        ModelConfig dense = DecoderWeights.load(model).config();
        Path dropped = tmp.resolve("minicpm-drop");
        run(model, WeightSparsityRunTest.request(model, "magnitude").put("compensation", "lsq").put("dropLayers", 1), dropped);
        ModelConfig oneLayer = DecoderWeights.load(dropped).config();
        assertEquals(1, oneLayer.numLayers());
        assertEquals(dense.residualMultiplier(), oneLayer.residualMultiplier(), 1e-12, "scale_depth restated for 1 layer");
        assertEquals(dense.logitsScaling(), oneLayer.logitsScaling(), 1e-12);
        assertDjlScoresLikeOnnxRuntime(dropped, 16);

        Path sheared = tmp.resolve("minicpm-sheared");
        ObjectNode req = WeightSparsityRunTest.request(model, "magnitude").put("compensation", "lsq").put("targetShape", "hidden=24");
        req.remove("ffnRatio");
        run(model, req, sheared);
        ModelConfig narrow = DecoderWeights.load(sheared).config();
        assertEquals(24, narrow.hiddenSize());
        assertEquals(dense.logitsScaling(), narrow.logitsScaling(), 1e-12, "dim_model_base restated for hidden 24");
        assertEquals(dense.residualMultiplier(), narrow.residualMultiplier(), 1e-12);
        assertDjlScoresLikeOnnxRuntime(sheared, 16);
    }

    /**
     * A sheared shape with a hidden cut on Qwen3: the q/k norms (over head_dim, which the cut leaves alone) are carried
     * through unchanged, the uniform config loads back, and the export scores like the checkpoint.
     */
    @Test
    void qwen3TargetShapeWithAHiddenCutKeepsItsQkNormsAndExportsFaithfully() throws IOException {
        Path model = model("qwen3"), out = tmp.resolve("qwen3-sheared");
        ObjectNode req = WeightSparsityRunTest.request(model, "magnitude").put("compensation", "lsq")
                .put("targetShape", "hidden=24,kv-heads=1,ffn=64");
        req.remove("ffnRatio");
        run(model, req, out);
        DecoderWeights dense = DecoderWeights.load(model), pruned = DecoderWeights.load(out);
        assertEquals(24, pruned.config().hiddenSize());
        assertEquals(dense.headDim(), pruned.headDim());
        for (int l = 0; l < 2; l++) {
            LayerWeights d = dense.layers().get(l), q = pruned.layers().get(l);
            assertEquals(java.util.Arrays.toString(d.qNorm().data()), java.util.Arrays.toString(q.qNorm().data()), "q_norm of layer " + l);
            assertEquals(java.util.Arrays.toString(d.kNorm().data()), java.util.Arrays.toString(q.kNorm().data()), "k_norm of layer " + l);
        }
        assertDjlScoresLikeOnnxRuntime(out, 16);
    }

    /**
     * Mistral's sliding_window 32 is masked, not a limit: calibration and evaluation windows of 48 tokens run, and the
     * DJL forward and the ONNX graph agree past the window; past max_position_embeddings 128 each refusal names its field.
     */
    @Test
    void windowsPastTheSlidingWindowRunAndPastTheContextAreRefusedNamingTheField() throws IOException {
        Path model = model("mistral"), out = tmp.resolve("mistral-48");
        run(model, structured(model).put("samples", 4).put("seqLen", 48).put("evalSeqLen", 48), out);
        assertDjlScoresLikeOnnxRuntime(out, 48);
        RequestValidationException calib = assertThrows(RequestValidationException.class,
                () -> run(model, structured(model).put("seqLen", 129), tmp.resolve("calib")));
        assertEquals("seqLen", calib.field());
        assertTrue(calib.reason().contains("context of 128 tokens") && calib.reason().contains("max_position_embeddings 128"),
                calib.reason());
        RequestValidationException eval = assertThrows(RequestValidationException.class,
                () -> run(model, structured(model).put("evalSeqLen", 200), tmp.resolve("eval")));
        assertEquals("evalSeqLen", eval.field());
        assertTrue(eval.reason().contains("was 200"), eval.reason());
        try (Stream<Path> left = Files.list(tmp.resolve("calib"))) {
            assertFalse(left.findAny().isPresent(), "nothing written");
        }
    }

    /**
     * A Gemma3ForConditionalGeneration (Gemma-3-4B and up) prunes as its text model: the result is a Gemma3ForCausalLM
     * checkpoint under the text model's names, without the vision tower, that scores the same on DJL and ONNX Runtime.
     */
    @Test
    void aMultimodalGemma3PrunesToItsTextModel() throws IOException {
        Path model = model("gemma3-mm", dev.secateur.testsupport.Fixtures.gemma3Multimodal("model.language_model."));
        Path out = tmp.resolve("gemma3-mm-pruned");
        run(model, structured(model), out);
        JsonNode config = Json.mapper().readTree(out.resolve("config.json").toFile());
        assertEquals("Gemma3ForCausalLM", config.get("architectures").get(0).asText());
        assertEquals("gemma3_text", config.get("model_type").asText());
        assertFalse(config.has("vision_config"));
        try (Checkpoint ck = Checkpoint.open(out)) {
            assertTrue(ck.has("model.layers.1.self_attn.k_norm.weight"));
            assertTrue(ck.names().stream().allMatch(n -> n.startsWith("model.layers.") || n.equals("model.embed_tokens.weight")
                    || n.equals("model.norm.weight") || n.equals("lm_head.weight")), ck.names().toString());
        }
        assertEquals(List.of(new LayerSizes(2, 1, 72), new LayerSizes(2, 1, 72)), DecoderWeights.load(out).layerSizes());
        assertDjlScoresLikeOnnxRuntime(out, 16);
    }

    /**
     * Gemma 3's layers differ by kind (layer 0 slides with its own rotary base, layer 1 does not), SmolLM3's too (layer
     * 1 has no rotary positions), and their rules count from the first layer: a model that lost a layer lists its
     * kept layers' kinds (layer_types, no_rope_layers) and scores the same on DJL and ONNX Runtime.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gemma3", "smollm3"})
    void droppingALayerKeepsEachKeptLayersKind(String fixture) throws IOException {
        Path model = model(fixture), out = tmp.resolve(fixture + "-dropped");
        run(model, WeightSparsityRunTest.request(model, "magnitude").put("ffnRatio", 0.25).put("dropLayers", 1), out);
        JsonNode plan = Json.mapper().readTree(out.resolve("plan.json").toFile());
        int kept = 1 - plan.get("droppedLayers").get(0).asInt();
        JsonNode config = Json.mapper().readTree(out.resolve("config.json").toFile());
        ModelConfig dense = DecoderWeights.load(model).config();
        if (dense.hasLayerKinds()) {
            assertEquals(Json.mapper().createArrayNode().add(dense.layerType(kept)), config.get("layer_types"));
        }
        if (dense.hasUnrotatedLayers()) {
            assertEquals(Json.mapper().createArrayNode().add(dense.rotates(kept) ? 1 : 0), config.get("no_rope_layers"));
        }
        ModelConfig pruned = DecoderWeights.load(out).config();
        assertEquals(dense.windowOf(kept), pruned.windowOf(0));
        assertEquals(dense.localRotary(kept), pruned.localRotary(0));
        assertEquals(dense.rotates(kept), pruned.rotates(0));
        assertDjlScoresLikeOnnxRuntime(out, 16);
    }
}
