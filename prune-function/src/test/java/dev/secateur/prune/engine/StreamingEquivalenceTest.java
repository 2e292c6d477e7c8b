package dev.secateur.prune.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.events.Allocation;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.CalibrationSampler;
import dev.secateur.prune.calibration.CalibrationText;
import dev.secateur.prune.calibration.ModelActivationSource;
import dev.secateur.prune.criterion.Criteria;
import dev.secateur.prune.criterion.ScoreSelector;
import dev.secateur.prune.criterion.Selector;
import dev.secateur.prune.criterion.FusionCriterion;
import dev.secateur.prune.criterion.TaylorCriterion;
import dev.secateur.prune.criterion.TaylorEstimates;
import dev.secateur.prune.criterion.TaylorVariant;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.tokenizer.TextTokenizer;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming engine against the whole-model path it replaced ({@link PruneEngine}, kept in tests as the
 * reference): in dense-input mode every block sees what the resident model's single forward gave it, so the kept
 * units must be the same and the pruned weights equal to float rounding; sequential mode may differ only from the
 * second block on, where its calibration inputs do.
 */
class StreamingEquivalenceTest {
    @TempDir
    Path tmp;

    PruneOptions options(String criterion, String compensation, Allocation allocation, CalibrationMode mode) {
        return builder(criterion, compensation, allocation, mode).build();
    }

    PruneOptions.Builder builder(String criterion, String compensation, Allocation allocation, CalibrationMode mode) {
        Path words = PrunePipelineTest.resource("text/words.txt");
        return PruneOptions.builder(Fixtures.dir("llama-gqa"), words, tmp.resolve(criterion + "-" + compensation + "-" + allocation + "-" + mode))
                .tokenizer(PrunePipelineTest.resource("fixtures/tokenizer.json")).samples(8).seqLen(16).seed(3).device("cpu").criterion(criterion)
                .ratios(0.25, 0.5, null).allocation(allocation).compensation(compensation).miTokens(64).maxTokens(96).batchSize(4)
                .calibrationMode(mode).evalSeqLen(16);
    }

    @Test
    void denseInputModeKeepsTheSameUnitsAndWeightsAsTheWholeModelPathForEveryCriterion() throws Exception {
        for (String criterion : Criteria.NAMES) {
            for (String compensation : new String[] {"none", "lsq"}) {
                compare(options(criterion, compensation, Allocation.UNIFORM, CalibrationMode.DENSE));
            }
        }
        compare(options("flap", "bias", Allocation.GLOBAL, CalibrationMode.DENSE));
        compare(builder("mi", "lsq", Allocation.GLOBAL, CalibrationMode.DENSE).ratios(0.25, null, null).build());
    }

    @Test
    void sequentialModeDiffersOnlyFromTheSecondBlockOn() throws Exception {
        PruneResult dense = PrunePipeline.run(options("wanda-sp", "lsq", Allocation.UNIFORM, CalibrationMode.DENSE), ProgressListener.NONE);
        PruneResult seq = PrunePipeline.run(options("wanda-sp", "lsq", Allocation.UNIFORM, CalibrationMode.SEQUENTIAL), ProgressListener.NONE);
        DecoderWeights a = DecoderWeights.load(dense.output()), b = DecoderWeights.load(seq.output());
        assertArrayEquals(dense.plan().layers().get(0).keptFfn(), seq.plan().layers().get(0).keptFfn());
        assertEquals(0, maxDiff(a.layers().get(0), b.layers().get(0)), 0.0, "block 0 sees the embeddings in both modes");
        assertTrue(maxDiff(a.layers().get(1), b.layers().get(1)) > 0,
                "block 1's least-squares refit sees the pruned block 0's output in sequential mode");
    }

    @Test
    void perplexityBeforeAndAfterEqualTheWholeModelEvaluation() throws Exception {
        Path words = PrunePipelineTest.resource("text/words.txt");
        PruneOptions o = builder("wanda-sp", "lsq", Allocation.UNIFORM, CalibrationMode.SEQUENTIAL).evalText(words).evalSeqLen(16).evalMaxTokens(0).build();
        PruneResult r = PrunePipeline.run(o, ProgressListener.NONE);
        dev.secateur.prune.eval.Perplexity ppl = new dev.secateur.prune.eval.Perplexity(16, 0, 4);
        try (TextTokenizer tokenizer = TextTokenizer.load(o.tokenizerPath());
                DecoderModel dense = DecoderModel.load(o.model(), Device.cpu());
                DecoderModel pruned = DecoderModel.load(r.output(), Device.cpu())) {
            double before = ppl.evaluate(new dev.secateur.prune.eval.DjlLanguageModel(dense), tokenizer, words).perplexity();
            double after = ppl.evaluate(new dev.secateur.prune.eval.DjlLanguageModel(pruned), tokenizer, words).perplexity();
            assertEquals(before, r.perplexityBefore(), 1e-4 * before, "the engine's dense pass is the dense model");
            assertEquals(after, r.perplexityAfter(), 1e-4 * after, "the engine's pruned pass is the written checkpoint");
            assertTrue(r.agreement().top1() > 0 && r.agreement().top1() <= 1 && r.agreement().klDivergence() >= -1e-6, r.agreement().toString());
        }
    }

    /**
     * Phi's and GPT-J's output bias enters the engine's before/after evaluation (the vocabulary read in pieces, the bias
     * with them): both perplexities equal the whole model's, where the bias is one Linear's.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"phi", "gptj"})
    void perplexityBeforeAndAfterWithAnOutputBiasEqualTheWholeModelEvaluation(String arch) throws Exception {
        Path words = PrunePipelineTest.resource("text/words.txt");
        Path model = arch.equals("phi") ? Fixtures.phi() : Fixtures.gptj();
        PruneOptions o = builder("wanda-sp", "lsq", Allocation.UNIFORM, CalibrationMode.SEQUENTIAL).model(model)
                .ratios(0.25, null, null).evalText(words).evalSeqLen(16).evalMaxTokens(0).build();
        assertTrue(DecoderWeights.load(model).lmHeadBias() != null);
        PruneResult r = PrunePipeline.run(o, ProgressListener.NONE);
        dev.secateur.prune.eval.Perplexity ppl = new dev.secateur.prune.eval.Perplexity(16, 0, 4);
        try (TextTokenizer tokenizer = TextTokenizer.load(o.tokenizerPath());
                DecoderModel dense = DecoderModel.load(model, Device.cpu());
                DecoderModel pruned = DecoderModel.load(r.output(), Device.cpu())) {
            double before = ppl.evaluate(new dev.secateur.prune.eval.DjlLanguageModel(dense), tokenizer, words).perplexity();
            double after = ppl.evaluate(new dev.secateur.prune.eval.DjlLanguageModel(pruned), tokenizer, words).perplexity();
            assertEquals(before, r.perplexityBefore(), 1e-4 * before, arch + ": the engine's dense pass is the dense model");
            assertEquals(after, r.perplexityAfter(), 1e-4 * after, arch + ": the engine's pruned pass is the written checkpoint");
        }
    }

    private void compare(PruneOptions o) throws Exception {
        String what = o.criterion() + " + " + o.compensation() + " " + o.allocation();
        PruneResult streamed = PrunePipeline.run(o, ProgressListener.NONE);
        PruneSpec spec = PrunePipeline.spec(o);
        DecoderWeights dense = DecoderWeights.load(o.model());
        try (TextTokenizer tokenizer = TextTokenizer.load(o.tokenizerPath());
                NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                DecoderModel model = new DecoderModel(dense, Device.cpu())) {
            long[][] windows = CalibrationSampler.windows(tokenizer.encode(CalibrationText.read(o.calibration())), o.samples(), o.seqLen(), o.seed());
            PruneEngine engine = new PruneEngine(manager);
            Selector selector;
            if (Criteria.needsGradients(o.criterion())) {
                TaylorEstimates est = TaylorEstimates.compute(model, windows, o.batchSize(), dense.headDim(), false);
                selector = new ScoreSelector("fusion".equals(o.criterion()) ? new FusionCriterion(est, TaylorVariant.ELEMENT)
                        : new TaylorCriterion(TaylorVariant.DEFAULT, est));
            } else {
                selector = engine.selector(spec);
            }
            ModelActivationSource acts = new ModelActivationSource(model, dense, windows, o.batchSize(), o.maxTokens(),
                    spec.sites(selector.needsActivations()), o.seed(), Long.MAX_VALUE);
            PruneOutcome reference = engine.prune(dense, acts, spec, selector, ProgressListener.NONE);
            DecoderWeights got = DecoderWeights.load(streamed.output());
            for (int l = 0; l < dense.layers().size(); l++) {
                assertArrayEquals(reference.plan().layers().get(l).keptFfn(), streamed.plan().layers().get(l).keptFfn(), what + " layer " + l);
                assertArrayEquals(reference.plan().layers().get(l).keptKvGroups(), streamed.plan().layers().get(l).keptKvGroups(),
                        what + " layer " + l);
                assertEquals(0, maxDiff(reference.pruned().layers().get(l), got.layers().get(l)), 1e-6, what + " layer " + l);
            }
            assertEquals(reference.parametersAfter(), streamed.parametersAfter(), what);
            assertEquals(reference.parametersBefore(), streamed.parametersBefore(), what);
        }
    }

    /** Largest absolute difference over every tensor of two blocks of the same shape (a missing bias counts as zeros). */
    static double maxDiff(LayerWeights a, LayerWeights b) throws Exception {
        double max = 0;
        for (RecordComponent c : LayerWeights.class.getRecordComponents()) {
            Tensor x = (Tensor) c.getAccessor().invoke(a), y = (Tensor) c.getAccessor().invoke(b);
            if (x == null && y == null) {
                continue;
            }
            float[] xs = x == null ? new float[y.numel()] : x.data(), ys = y == null ? new float[x.numel()] : y.data();
            assertEquals(xs.length, ys.length, c.getName());
            for (int i = 0; i < xs.length; i++) {
                max = Math.max(max, Math.abs(xs[i] - ys[i]));
            }
        }
        return max;
    }
}
