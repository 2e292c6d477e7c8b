package dev.secateur.prune.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.Tensor;
import dev.secateur.events.Allocation;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.plan.LayerPlan;
import dev.secateur.prune.plan.MaskSettings;
import dev.secateur.prune.plan.MaskStructure;
import dev.secateur.prune.plan.UnitMask;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mask-opt over KV groups and layers on a model where the right answer is known: the demo model (6 layers, 2 KV groups of
 * 4 query heads each) with layer 3 reversed (its o_proj and down_proj negated, so it subtracts the update it was trained
 * to add, and dropping it, the identity, lowers the loss) and KV group 0 of layer 1 made harmful (its query heads' o_proj
 * columns times −HARM, so that removing the group lowers the loss). The budget is exactly one layer's and one group's
 * parameters, and of every mask that spends it the one that drops layer 3 and removes group 1:0 has the lowest loss by
 * MARGIN (checked first, on the search's own windows). A uniform start knows nothing of either.
 *
 * <p>An identity layer and a silent group (o_proj and down_proj zero) would be the plainer construction, but on this model
 * dropping layer 2 costs only 0.01–0.03 nats and several groups 0.003–0.009, far inside the sampling noise that the layer
 * variables add (a sampled drop of layer 0 moves the loss by 3 nats), so no search of test size tells them from free
 * units. The search is still noisy at this size: with 40 steps it finds the answer at calibration seeds 0 and 3, not at
 * 1 and 2 (another layer or another layer's group), so the test fixes seed 0. The plan takes the search's own groups
 * ({@code --mask-select search}): the test is about what the search finds.
 */
class MaskStructuresPipelineTest {
    static final int REVERSED = 3;
    static final int HARMFUL_LAYER = 1;
    static final int HARMFUL_GROUP = 0;
    static final int HEAD_DIM = 32;
    static final int GROUP_SIZE = 4;
    static final int STEPS = 40;
    static final float HARM = 4;
    static final double MARGIN = 0.05;

    @TempDir
    Path tmp;

    Path constructedModel() {
        return EditedDemoModel.write(tmp.resolve("constructed"), (l, w) -> {
            if (l == REVERSED) {
                w = w.withAttention(w.q(), w.qBias(), w.k(), w.kBias(), w.v(), w.vBias(), scaled(w.o(), -1), w.oBias());
                return w.withMlp(w.gate(), w.gateBias(), w.up(), w.upBias(), scaled(w.down(), -1), w.downBias());
            }
            if (l == HARMFUL_LAYER) {
                Tensor o = w.o().copy();
                int cols = o.dim(1);
                for (int i = 0; i < o.dim(0); i++) {
                    for (int j = HARMFUL_GROUP * GROUP_SIZE * HEAD_DIM; j < (HARMFUL_GROUP + 1) * GROUP_SIZE * HEAD_DIM; j++) {
                        o.data()[i * cols + j] *= -HARM;
                    }
                }
                return w.withAttention(w.q(), w.qBias(), w.k(), w.kBias(), w.v(), w.vBias(), o, w.oBias());
            }
            return w;
        });
    }

    static Tensor scaled(Tensor t, float by) {
        Tensor c = t.copy();
        for (int i = 0; i < c.data().length; i++) {
            c.data()[i] *= by;
        }
        return c;
    }

    PruneOptions options(Path model, double paramRatio) {
        Path root = Path.of("..").toAbsolutePath().normalize();
        return PruneOptions.builder(model, root.resolve("data/kjv-calib.txt"), tmp.resolve("out")).samples(8).seqLen(64).seed(0).device("cpu")
                .criterion("mask-opt").ffnRatio(null).allocation(Allocation.GLOBAL).minKeep(0.05).compensation("none").maxTokens(4096)
                .batchSize(4).calibrationMode(CalibrationMode.SEQUENTIAL).evalSeqLen(64)
                .mask(new MaskSettings(STEPS, 8, 0.1, "uniform", 2, paramRatio).withStructures(EnumSet.of(MaskStructure.KV_GROUPS, MaskStructure.LAYERS))
                        .withSelect(MaskSettings.SELECT_SEARCH))
                .build();
    }

    static UnitMask dense() {
        boolean[] layers = new boolean[6];
        Arrays.fill(layers, true);
        boolean[][] groups = new boolean[6][2];
        for (boolean[] g : groups) {
            Arrays.fill(g, true);
        }
        return new UnitMask(layers, null, groups);
    }

    /**
     * The premise, on the search's own windows: of every mask the budget allows (one layer dropped and one KV group of
     * another layer removed: both costs are the same in every layer), the constructed one has the lowest loss, by at least
     * MARGIN nats.
     */
    static void theConstructedMaskIsTheBestInTheBudget(PruneOptions o) {
        try (DecoderFamily d = DecoderFamily.open(o); ai.djl.ndarray.NDManager root = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            List<UnitMask> masks = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (int l = 0; l < 6; l++) {
                for (int gl = 0; gl < 6; gl++) {
                    for (int g = 0; g < 2 && gl != l; g++) {
                        UnitMask m = dense();
                        m.layers()[l] = false;
                        m.groups()[gl][g] = false;
                        masks.add(m);
                        names.add("layer " + l + " + group " + gl + ":" + g);
                    }
                }
            }
            double[] loss = new MaskSearch(d, root, 2).unitLossesOf(masks);
            Integer[] byLoss = new Integer[loss.length];
            java.util.Arrays.setAll(byLoss, i -> i);
            java.util.Arrays.sort(byLoss, java.util.Comparator.comparingDouble(i -> loss[i]));
            String top = names.get(byLoss[0]) + " " + loss[byLoss[0]] + ", then " + names.get(byLoss[1]) + " " + loss[byLoss[1]];
            assertEquals("layer " + REVERSED + " + group " + HARMFUL_LAYER + ":" + HARMFUL_GROUP, names.get(byLoss[0]), top);
            assertTrue(loss[byLoss[1]] - loss[byLoss[0]] > MARGIN, top);
        }
    }

    @Test
    void findsTheIdentityLayerAndTheHarmfulGroup() {
        Path model = constructedModel();
        DecoderWeights w = DecoderWeights.load(model);
        long layerParameters = w.layer(REVERSED).parameterCount();
        LayerWeights l1 = w.layer(HARMFUL_LAYER);
        long group = (l1.q().numel() + l1.k().numel() + l1.v().numel() + l1.o().numel()) / 2;
        long total = w.parameterCount();
        double ratio = (double) (layerParameters + group) / total;
        theConstructedMaskIsTheBestInTheBudget(options(model, ratio));

        List<String> steps = new ArrayList<>();
        PruneResult r = PrunePipeline.run(options(model, ratio), (stage, fraction, message) -> {
            if ("mask".equals(stage)) {
                steps.add(message);
            }
        });
        assertEquals(STEPS, steps.size(), "one progress event per step");
        assertTrue(steps.get(STEPS - 1).contains("expected KV groups [") && steps.get(STEPS - 1).contains("layer keep probabilities ["),
                steps.get(STEPS - 1));
        var settings = r.plan().settings();
        assertArrayEquals(new int[] {REVERSED}, r.plan().droppedLayers(), settings.toString());
        for (int l = 0; l < 6; l++) {
            if (l == REVERSED) {
                continue;
            }
            LayerPlan p = r.plan().layers().get(l);
            assertArrayEquals(l == HARMFUL_LAYER ? new int[] {1 - HARMFUL_GROUP} : new int[] {0, 1}, p.keptKvGroups(), "layer " + l + ": " + settings);
            assertEquals(768, p.keptFfn().length, "FFN neurons are not in the policy");
        }
        int[] groups = {2, 2, 2, 2, 2, 2};
        groups[REVERSED] = 0;
        groups[HARMFUL_LAYER] = 1;
        assertEquals(Arrays.toString(groups), settings.get("maskOpt.learnedKvGroups"));
        assertEquals("[" + REVERSED + "]", settings.get("maskOpt.droppedLayers"));
        assertEquals("kv-groups,layers", settings.get("maskOpt.structures"));
        assertTrue(settings.get("maskOpt.budget").contains(String.format(java.util.Locale.ROOT, "%,d removed", layerParameters + group)),
                settings.get("maskOpt.budget"));
        assertEquals(total - layerParameters - group, r.parametersAfter());
    }
}
