package dev.secateur.prune.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.secateur.events.Allocation;
import dev.secateur.model.DecoderWeights;
import dev.secateur.prune.calibration.CalibrationSampler;
import dev.secateur.prune.calibration.CalibrationText;
import dev.secateur.prune.criterion.AdaptiveFusion;
import dev.secateur.prune.criterion.FusionCriterion;
import dev.secateur.prune.criterion.RemovalOrder;
import dev.secateur.prune.criterion.Structure;
import dev.secateur.prune.criterion.TaylorEstimates;
import dev.secateur.prune.criterion.TaylorVariant;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.prune.plan.PruningPlan;
import dev.secateur.prune.plan.UnitAllocator;
import dev.secateur.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fusion and taylor through the pipeline: what plan.json records, and that it is what decided the plan. */
class FusionPipelineTest {
    @TempDir
    Path tmp;

    PruneOptions options(String method, String name) {
        return builder(method, name).build();
    }

    PruneOptions.Builder builder(String method, String name) {
        Path words = PrunePipelineTest.resource("text/words.txt");
        return PruneOptions.builder(Fixtures.dir("llama-gqa"), words, tmp.resolve(name)).tokenizer(PrunePipelineTest.resource("fixtures/tokenizer.json"))
                .samples(8).seqLen(16).seed(3).device("cpu").criterion(method).ratios(0.25, 0.5, null).allocation(Allocation.UNIFORM)
                .compensation("none").miTokens(64).maxTokens(96).batchSize(4).calibrationMode(CalibrationMode.SEQUENTIAL).evalSeqLen(16);
    }

    @Test
    void planJsonRecordsEachLayersFusionWeightAndItIsTheOneThatRankedTheUnits() throws Exception {
        PruneOptions o = options("fusion", "fusion");
        PruneResult r = PrunePipeline.run(o, ProgressListener.NONE);
        PruningPlan written = PruningPlan.read(r.output().resolve("plan.json"));
        assertTrue(written.settings().get("fusion").contains("w*coarse + (1-w)*fine"), written.settings().toString());

        DecoderWeights dense = DecoderWeights.load(o.model());
        try (TextTokenizer tokenizer = TextTokenizer.load(o.tokenizerPath()); DecoderModel model = new DecoderModel(dense, Device.cpu())) {
            long[][] windows = CalibrationSampler.windows(tokenizer.encode(CalibrationText.read(o.calibration())), o.samples(), o.seqLen(), o.seed());
            // the whole-model reference gradients, batched as the pass batches them, so the halves are the same
            FusionCriterion reference = new FusionCriterion(TaylorEstimates.compute(model, windows, o.batchSize(), dense.headDim(), false),
                    TaylorVariant.ELEMENT);
            for (int l = 0; l < 2; l++) {
                for (Structure s : new Structure[] {Structure.FFN_NEURONS, Structure.ATTENTION_HEADS}) {
                    String key = "fusion." + (s == Structure.FFN_NEURONS ? "ffn" : "heads") + ".layer" + l;
                    String note = written.settings().get(key);
                    Matcher m = Pattern.compile("^w=([0-9.]+) coarse.mean=\\S+ coarse.noise=\\S+ fine.mean=\\S+ fine.noise=\\S+ spearman=\\S+$")
                            .matcher(note == null ? "" : note);
                    assertTrue(m.matches(), key + " = " + note);
                    double w = Double.parseDouble(m.group(1));
                    AdaptiveFusion f = reference.fusion(l, s);
                    assertTrue(w >= 0 && w <= 1, key + " = " + note);
                    assertEquals(f.weight(), w, 1e-3, key);
                    assertTrue(f.weight() > 0 && f.weight() < 1, key + ": two batches give both estimates a measurable noise, so w is inside");
                    int units = s == Structure.FFN_NEURONS ? 96 : 2;
                    int removed = s == Structure.FFN_NEURONS ? 24 : 1;
                    int[] kept = UnitAllocator.kept(units, Arrays.copyOf(RemovalOrder.ascending(f.fused()).order(), removed));
                    int[] got = s == Structure.FFN_NEURONS ? written.layers().get(l).keptFfn() : written.layers().get(l).keptKvGroups();
                    assertArrayEquals(kept, got, key + ": the fused scores decided what stays");
                }
            }
        }
    }

    @Test
    void taylorRecordsItsEstimateAndSecondOrderRunsTheFisherPass() {
        PruneResult second = PrunePipeline.run(builder("taylor", "second").taylor("second-order").build(), ProgressListener.NONE);
        assertTrue(second.plan().settings().get("taylor").startsWith("second-order: sum of |g*W - 0.5*F*W^2|"), second.plan().settings().toString());
        PruneResult plain = PrunePipeline.run(options("taylor", "plain"), ProgressListener.NONE);
        assertTrue(plain.plan().settings().get("taylor").startsWith(TaylorVariant.DEFAULT.json() + ":"), plain.plan().settings().toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PrunePipeline.spec(builder("taylor", "x").taylor("foo").build()));
        assertTrue(e.getMessage().startsWith("taylor: must be one of vector, element, second-order"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PrunePipeline.spec(builder("flap", "x").taylor("vector").build()));
        assertTrue(e.getMessage().startsWith("taylor: applies to methods taylor and fusion"), e.getMessage());
    }
}
