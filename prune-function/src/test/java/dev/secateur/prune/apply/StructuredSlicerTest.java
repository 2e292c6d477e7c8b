package dev.secateur.prune.apply;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.testsupport.Fixtures;
import dev.secateur.prune.plan.LayerPlan;
import dev.secateur.prune.plan.PruningPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StructuredSlicerTest {
    static final long[][] IDS = {{1, 5, 9, 33, 2, 70, 12, 4}, {3, 3, 8, 90, 41, 6, 0, 7}};

    static float[] logits(DecoderWeights w) {
        try (DecoderModel m = new DecoderModel(w, Device.cpu()); NDManager nd = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            return m.forward(nd.create(IDS), dev.secateur.prune.model.ForwardCapture.NONE).toFloatArray();
        }
    }

    static Tensor zeroColumns(Tensor t, int[] cols) {
        Tensor c = t.copy();
        int w = t.dim(1);
        for (int r = 0; r < t.dim(0); r++) {
            for (int col : cols) {
                c.data()[r * w + col] = 0;
            }
        }
        return c;
    }

    @Test
    void slicingNeuronsWithZeroDownColumnsLeavesLogitsExactlyUnchanged() {
        for (String fixture : new String[] {"llama-gqa", "gpt2", "qwen2", "qwen3"}) {
            DecoderWeights w = DecoderWeights.load(Fixtures.dir(fixture));
            int ffn = w.layers().get(0).ffnWidth();
            int[] gone = {1, 7, ffn / 2, ffn - 1};
            int[] kept = dev.secateur.prune.plan.UnitAllocator.kept(ffn, gone);
            List<LayerWeights> zeroed = new ArrayList<>();
            List<LayerPlan> plans = new ArrayList<>();
            int hd = w.headDim();
            for (int l = 0; l < w.layers().size(); l++) {
                LayerWeights lw = w.layers().get(l);
                zeroed.add(lw.withMlp(lw.gate(), lw.gateBias(), lw.up(), lw.upBias(), zeroColumns(lw.down(), gone), lw.downBias()));
                plans.add(LayerPlan.dense(l, ffn, lw.numHeads(hd), lw.numKvHeads(hd)).withFfn(kept));
            }
            DecoderWeights masked = w.withLayers(zeroed);
            DecoderWeights sliced = StructuredSlicer.apply(masked, new PruningPlan(w.layers().size(), plans, new int[0], Map.of()));
            assertEquals(kept.length, sliced.layers().get(0).ffnWidth());
            assertTrue(sliced.parameterCount() < w.parameterCount());
            assertArrayEquals(logits(masked), logits(sliced), fixture);
        }
    }

    @Test
    void slicingAKvGroupWithZeroOutputColumnsLeavesLogitsUnchanged() {
        DecoderWeights w = DecoderWeights.load(Fixtures.dir("llama-gqa")); // 4 heads, 2 KV heads, headDim 8
        int hd = w.headDim();
        int[] goneCols = java.util.stream.IntStream.range(2 * hd, 4 * hd).toArray(); // heads 2, 3 = KV group 1
        List<LayerWeights> zeroed = new ArrayList<>();
        List<LayerPlan> plans = new ArrayList<>();
        for (int l = 0; l < w.layers().size(); l++) {
            LayerWeights lw = w.layers().get(l);
            zeroed.add(lw.withAttention(lw.q(), lw.qBias(), lw.k(), lw.kBias(), lw.v(), lw.vBias(), zeroColumns(lw.o(), goneCols), lw.oBias()));
            plans.add(LayerPlan.dense(l, lw.ffnWidth(), 4, 2).withKvGroups(new int[] {0}, 2));
        }
        DecoderWeights masked = w.withLayers(zeroed);
        DecoderWeights sliced = StructuredSlicer.apply(masked, new PruningPlan(w.layers().size(), plans, new int[0], Map.of()));
        assertEquals(2, sliced.layers().get(1).numHeads(hd));
        assertEquals(1, sliced.layers().get(1).numKvHeads(hd));
        // not bit-exact: libtorch blocks the o_proj/attention reductions differently for 2 heads than for 4
        // (measured: ~1e-6 relative); the removed heads' contribution itself is exactly zero
        assertArrayEquals(logits(masked), logits(sliced), 1e-5f);
    }

    @Test
    void droppedLayersAreRemoved() {
        DecoderWeights w = DecoderWeights.load(Fixtures.dir("llama-gqa"));
        List<LayerPlan> plans = new ArrayList<>();
        for (int l = 0; l < w.layers().size(); l++) {
            plans.add(LayerPlan.dense(l, w.layers().get(l).ffnWidth(), 4, 2));
        }
        DecoderWeights sliced = StructuredSlicer.apply(w, new PruningPlan(w.layers().size(), plans, new int[] {0}, Map.of()));
        assertEquals(w.layers().size() - 1, sliced.layers().size());
        assertEquals(w.layers().get(1), sliced.layers().get(0));
        assertEquals(IDS.length * IDS[0].length * w.config().vocabSize(), logits(sliced).length);
    }
}
