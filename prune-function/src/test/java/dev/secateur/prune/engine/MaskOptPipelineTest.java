package dev.secateur.prune.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.Tensor;
import dev.secateur.events.Allocation;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.plan.MaskSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mask-opt on a model where part of the right mask is known: the demo model with two FFN neurons of layer 1 made harmful,
 * each a copy of one of the layer's strongest neurons writing −31 times its output, so that the pair writes −30 times
 * what the strong neuron wrote. Removing a copy lowers the loss by more than 0.1 nats (checked first), so any good mask
 * removes both. A uniform start knows nothing about them, and the mi criterion ranks them among the most important
 * neurons (they write the most energy), so only the forward-pass search can find them; the plan takes the search's own
 * neurons ({@code --mask-select search}), since mi selection would put back mi's choice inside the layer.
 */
class MaskOptPipelineTest {
    static final Map<Integer, int[]> HARMFUL = Map.of(1, new int[] {3, 200});
    static final int WIDTH = 768;
    /** A harmful copy turns its strong neuron's contribution into −HARM times it. */
    static final double HARM = 30;
    static final double LR = 0.1;
    static final int STEPS = 80;
    static final double RATIO = 0.2;

    @TempDir
    Path tmp;

    Path constructedModel() {
        return EditedDemoModel.write(tmp.resolve("constructed"), (l, w) -> HARMFUL.containsKey(l) ? withHarmfulCopies(w, HARMFUL.get(l)) : w);
    }

    /**
     * Each harmful neuron becomes a copy of one of the layer's strongest neurons (same gate and up rows, so it fires exactly
     * when that one does) writing −(1 + HARM) times its down column: together they write −HARM times the strong neuron's
     * contribution, which removing the copy (and only that) restores.
     */
    static LayerWeights withHarmfulCopies(LayerWeights w, int[] harmful) {
        int width = w.ffnWidth(), hidden = w.down().dim(0), in = w.up().dim(1);
        Integer[] byNorm = new Integer[width];
        Arrays.setAll(byNorm, i -> i);
        double[] norm = new double[width];
        for (int j = 0; j < width; j++) {
            for (int i = 0; i < hidden; i++) {
                norm[j] += w.down().data()[i * width + j] * w.down().data()[i * width + j];
            }
        }
        Arrays.sort(byNorm, (a, b) -> Double.compare(norm[b], norm[a]));
        Tensor gate = w.gate().copy(), up = w.up().copy(), down = w.down().copy();
        int next = 0;
        for (int j : harmful) {
            int strong = byNorm[next++];
            if (Arrays.stream(harmful).anyMatch(h -> h == strong)) {
                throw new IllegalStateException("a harmful neuron is among the strongest");
            }
            System.arraycopy(w.gate().data(), strong * in, gate.data(), j * in, in);
            System.arraycopy(w.up().data(), strong * in, up.data(), j * in, in);
            for (int i = 0; i < hidden; i++) {
                down.data()[i * width + j] = (float) (-(1 + HARM) * w.down().data()[i * width + strong]);
            }
        }
        return w.withMlp(gate, w.gateBias(), up, w.upBias(), down, w.downBias());
    }

    PruneOptions options(Path model, String method, String out) {
        return builder(model, method, out).build();
    }

    PruneOptions.Builder builder(Path model, String method, String out) {
        Path root = Path.of("..").toAbsolutePath().normalize();
        return PruneOptions.builder(model, root.resolve("data/kjv-calib.txt"), tmp.resolve(out)).samples(8).seqLen(64).device("cpu")
                .criterion(method).ratios(RATIO, null, null).allocation(Allocation.GLOBAL).compensation("none").miTokens(256).maxTokens(4096)
                .batchSize(4).calibrationMode(CalibrationMode.SEQUENTIAL).evalSeqLen(64);
    }

    static List<String> harmfulKept(PruneResult r) {
        List<String> kept = new ArrayList<>();
        HARMFUL.forEach((l, units) -> {
            for (int u : units) {
                if (Arrays.stream(r.plan().layers().get(l).keptFfn()).anyMatch(k -> k == u)) {
                    kept.add(l + ":" + u);
                }
            }
        });
        return kept;
    }

    /** The premise: on the search's own windows, removing any one harmful neuron lowers the loss by more than 0.1 nats. */
    static void harmfulNeuronsCost(Path model, PruneOptions o) {
        try (DecoderFamily d = DecoderFamily.open(o); ai.djl.ndarray.NDManager root = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            List<boolean[][]> masks = new ArrayList<>();
            masks.add(null);
            HARMFUL.forEach((l, units) -> {
                for (int u : units) {
                    boolean[][] m = new boolean[6][WIDTH];
                    for (boolean[] row : m) {
                        Arrays.fill(row, true);
                    }
                    m[l][u] = false;
                    masks.add(m);
                }
            });
            double[] loss = new MaskSearch(d, root, 2).lossesOf(masks);
            for (int i = 1; i < loss.length; i++) {
                assertTrue(loss[i] < loss[0] - 0.1, "removing harmful neuron " + i + ": " + Arrays.toString(loss));
            }
        }
    }

    @Test
    void findsTheHarmfulNeuronsThatMiKeeps() {
        Path model = constructedModel();
        harmfulNeuronsCost(model, options(model, "mi", "premise"));
        PruneResult mi = PrunePipeline.run(options(model, "mi", "mi"), ProgressListener.NONE);
        assertEquals(2, harmfulKept(mi).size(), "mi keeps the neurons that write the most energy: " + harmfulKept(mi));

        List<String> steps = new ArrayList<>();
        PruneResult masked = PrunePipeline.run(builder(model, "mask-opt", "mask").mask(new MaskSettings(STEPS, 8, LR, "uniform", 2, null)
                .withSelect(MaskSettings.SELECT_SEARCH)).build(),
                (stage, fraction, message) -> {
                    if ("mask".equals(stage)) {
                        steps.add(message);
                    }
                });
        assertEquals(STEPS, steps.size(), "one progress event per step");
        assertTrue(steps.get(0).startsWith("mask-opt step 1/" + STEPS + ": mean loss ") && steps.get(0).contains("expected FFN widths ["), steps.get(0));
        assertEquals(STEPS, masked.plan().settings().get("maskOpt.lossCurve").split(",").length);
        String losses = masked.plan().settings().get("maskOpt.losses");
        assertEquals(List.of(), harmfulKept(masked), masked.plan().settings().toString());
        assertTrue(losses != null && losses.contains("start (most likely mask of the uniform init)"), String.valueOf(losses));
        // the budget is met exactly, with per-layer sizes of the search's choosing
        int kept = masked.plan().layers().stream().mapToInt(p -> p.keptFfn().length).sum();
        assertEquals(6 * WIDTH - Math.round(RATIO * 6 * WIDTH), kept);
    }
}
