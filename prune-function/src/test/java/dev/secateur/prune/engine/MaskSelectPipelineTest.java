package dev.secateur.prune.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.events.Allocation;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.model.TargetShape;
import dev.secateur.prune.plan.MaskSettings;
import dev.secateur.prune.plan.MaskStructure;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --mask-select mi} on the demo model: the search fixes how many units each layer loses, the mi criterion which
 * ones, by the same per-layer selection a mi run makes at its own counts. Checked against mi runs at those counts: in
 * dense calibration mode a layer's mi order does not depend on the other layers' cuts, so a target shape of width w
 * (every layer cut to w by mi) tells which neurons mi removes from a layer at that count. A short search suffices: its
 * counts need not be good, only heterogeneous.
 */
class MaskSelectPipelineTest {
    static final int LAYERS = 6;
    static final int WIDTH = 768;

    @TempDir
    Path tmp;

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    PruneOptions.Builder builder(String method, String out, CalibrationMode mode, String compensation) {
        return PruneOptions.builder(ROOT.resolve("models/kjv-llama"), ROOT.resolve("data/kjv-calib.txt"), tmp.resolve(out)).samples(8).seqLen(64)
                .seed(0).device("cpu").criterion(method).compensation(compensation).maxTokens(4096).batchSize(4).calibrationMode(mode)
                .evalSeqLen(64);
    }

    static MaskSettings shortSearch(Double paramRatio, String select) {
        return new MaskSettings(3, 4, 0.1, "mi", 1, paramRatio).withSelect(select);
    }

    static int[] keptFfn(PruneResult r) {
        return r.plan().layers().stream().mapToInt(p -> p.keptFfn().length).toArray();
    }

    @Test
    void globalSearchSetsTheCountsAndMiTheNeurons() {
        PruneResult mi = PrunePipeline.run(builder("mask-opt", "select-mi", CalibrationMode.DENSE, "none").ratios(0.2, null, null)
                .allocation(Allocation.GLOBAL).mask(shortSearch(null, "mi")).build(), ProgressListener.NONE);
        PruneResult search = PrunePipeline.run(builder("mask-opt", "select-search", CalibrationMode.DENSE, "none").ratios(0.2, null, null)
                .allocation(Allocation.GLOBAL).mask(shortSearch(null, "search")).build(), ProgressListener.NONE);
        var settings = mi.plan().settings();
        assertTrue(settings.get("maskOpt.select").startsWith("mi:"), settings.toString());
        assertTrue(search.plan().settings().get("maskOpt.select").startsWith("search:"), search.plan().settings().toString());
        assertTrue(settings.get("maskOpt").contains("select=mi"), settings.get("maskOpt"));

        // the counts are the search's: the learnt widths, the same whichever way the units are then chosen
        int[] widths = keptFfn(mi);
        assertEquals(Arrays.toString(widths), settings.get("maskOpt.learnedFfnWidths"));
        assertEquals(settings.get("maskOpt.learnedFfnWidths"), search.plan().settings().get("maskOpt.learnedFfnWidths"));
        assertArrayEquals(widths, keptFfn(search));
        assertTrue(Arrays.stream(widths).distinct().count() > 1, "the global search's widths differ between layers: " + Arrays.toString(widths));
        assertEquals(LAYERS * WIDTH - Math.round(0.2 * LAYERS * WIDTH), Arrays.stream(widths).sum());

        // the neurons are mi's at those counts, and not the search's own
        for (int w : new TreeSet<>(Arrays.stream(widths).boxed().toList())) {
            PruneResult uniform = PrunePipeline.run(builder("mi", "mi-" + w, CalibrationMode.DENSE, "none")
                    .targetShape(TargetShape.parse("ffn=" + w)).build(), ProgressListener.NONE);
            for (int l = 0; l < LAYERS; l++) {
                if (widths[l] == w) {
                    assertArrayEquals(uniform.plan().layers().get(l).keptFfn(), mi.plan().layers().get(l).keptFfn(), "layer " + l + " at width " + w);
                }
            }
        }
        boolean differs = false;
        for (int l = 0; l < LAYERS; l++) {
            differs |= !Arrays.equals(mi.plan().layers().get(l).keptFfn(), search.plan().layers().get(l).keptFfn());
        }
        assertTrue(differs, "mi chooses other neurons than the search's mask in some layer");
    }

    /** Per-layer budgets fix mi's own counts, so with mi selection mask-opt is the uniform mi run, lsq and all. */
    @Test
    void uniformBudgetsWithMiSelectionAreTheUniformMiRun() {
        PruneResult mi = PrunePipeline.run(builder("mi", "mi", CalibrationMode.SEQUENTIAL, "lsq").ratios(0.25, null, null).build(),
                ProgressListener.NONE);
        PruneResult masked = PrunePipeline.run(builder("mask-opt", "mask", CalibrationMode.SEQUENTIAL, "lsq").ratios(0.25, null, null)
                .mask(shortSearch(null, "mi")).build(), ProgressListener.NONE);
        for (int l = 0; l < LAYERS; l++) {
            assertArrayEquals(mi.plan().layers().get(l).keptFfn(), masked.plan().layers().get(l).keptFfn(), "layer " + l);
        }
        assertEquals(mi.parametersAfter(), masked.parametersAfter());
        // and the same refit: lsq sees the same kept neurons on the same calibration stream
        DecoderWeights a = DecoderWeights.load(mi.output()), b = DecoderWeights.load(masked.output());
        for (int l = 0; l < LAYERS; l++) {
            assertArrayEquals(a.layer(l).down().data(), b.layer(l).down().data(), "layer " + l + " down_proj");
        }
    }

    /** Over KV groups the search fixes how many groups each layer keeps, mi which. */
    @Test
    void kvGroupCountsFromTheSearchGroupsFromMi() {
        DecoderWeights dense = DecoderWeights.load(ROOT.resolve("models/kjv-llama"));
        LayerWeights l0 = dense.layer(0);
        long group = (l0.q().numel() + l0.k().numel() + l0.v().numel() + l0.o().numel()) / 2;
        double ratio = 2.0 * group / dense.parameterCount();
        MaskSettings groups = shortSearch(ratio, "mi").withStructures(EnumSet.of(MaskStructure.KV_GROUPS));
        PruneResult r = PrunePipeline.run(builder("mask-opt", "groups", CalibrationMode.DENSE, "none").ffnRatio(null)
                .allocation(Allocation.GLOBAL).mask(groups).build(), ProgressListener.NONE);
        int[] kept = r.plan().layers().stream().mapToInt(p -> p.keptKvGroups().length).toArray();
        assertEquals(Arrays.toString(kept), r.plan().settings().get("maskOpt.learnedKvGroups"));
        assertEquals(2 * LAYERS - 2, Arrays.stream(kept).sum(), Arrays.toString(kept));

        PruneResult mi = PrunePipeline.run(builder("mi", "mi-kv1", CalibrationMode.DENSE, "none").targetShape(TargetShape.parse("kv-heads=1")).build(),
                ProgressListener.NONE);
        List<Integer> cut = new java.util.ArrayList<>();
        for (int l = 0; l < LAYERS; l++) {
            if (kept[l] == 1) {
                cut.add(l);
                assertArrayEquals(mi.plan().layers().get(l).keptKvGroups(), r.plan().layers().get(l).keptKvGroups(), "layer " + l);
            }
        }
        assertNotEquals(List.of(), cut);
    }
}
