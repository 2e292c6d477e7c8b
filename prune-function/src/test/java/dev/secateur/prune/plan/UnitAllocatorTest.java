package dev.secateur.prune.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.events.Allocation;
import dev.secateur.prune.criterion.RemovalOrder;
import dev.secateur.prune.criterion.Structure;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UnitAllocatorTest {

    static RemovalOrder order(double... cost) {
        return RemovalOrder.ascending(cost);
    }

    @Test
    void ratioOutsideUnitIntervalIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Target.uniform(Structure.FFN_NEURONS, 1.0));
        assertTrue(e.getMessage().contains("[0, 1)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Target.uniform(Structure.FFN_NEURONS, -0.1));
        assertThrows(IllegalArgumentException.class, () -> Target.uniform(Structure.FFN_NEURONS, Double.NaN));
    }

    @Test
    void ratioThatWouldEmptyALayerIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UnitAllocator.removed(List.of(order(1, 2, 3, 4)), Target.uniform(Structure.FFN_NEURONS, 0.9), 1));
        assertTrue(e.getMessage().contains("would remove all 4"), e.getMessage());
    }

    @Test
    void uniformRemovesTheCheapestPrefix() {
        List<int[]> r = UnitAllocator.removed(List.of(order(5, 1, 4, 2), order(0, 9, 8, 7)), Target.uniform(Structure.FFN_NEURONS, 0.5), 1);
        assertArrayEquals(new int[] {1, 3}, r.get(0));
        assertArrayEquals(new int[] {0, 3}, r.get(1));
        assertArrayEquals(new int[] {0, 2}, UnitAllocator.kept(4, r.get(0)));
    }

    @Test
    void headRatioMustRemoveWholeKvGroups() {
        // 8 query heads in 2 KV groups of 4: 25 % = 2 heads is half a group
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UnitAllocator.removed(List.of(order(1, 2)), Target.uniform(Structure.ATTENTION_HEADS, 0.25), 4));
        assertTrue(e.getMessage().contains("not a whole number of KV groups"), e.getMessage());
        assertTrue(e.getMessage().contains("0.5000"), e.getMessage());
        // 4 KV groups of 2: 25 % of 8 heads = one group
        assertArrayEquals(new int[] {2}, UnitAllocator.removed(List.of(order(3, 2, 0, 1)), Target.uniform(Structure.ATTENTION_HEADS, 0.25), 2).get(0));
        assertThrows(IllegalArgumentException.class,
                () -> UnitAllocator.removed(List.of(order(3, 2)), Target.uniform(Structure.ATTENTION_HEADS, 0.9), 1));
    }

    @Test
    void globalAllocationFollowsNormalisedCostsWithAFloor() {
        // layer 0 has one clearly cheap unit, layer 1 three; z-scored, layer 1's cheap ones win
        RemovalOrder a = order(-10, 5, 6, 7), b = order(0, 0, 0, 9);
        Target t = new Target(Structure.FFN_NEURONS, 0.5, null, Allocation.GLOBAL, 0.25);
        List<int[]> r = UnitAllocator.removed(List.of(a, b), t, 1);
        assertEquals(4, r.get(0).length + r.get(1).length);
        assertEquals(3, r.get(1).length, "the floor keeps at least one unit of layer 1");
        Target tooMuch = new Target(Structure.FFN_NEURONS, 0.8, null, Allocation.GLOBAL, 0.5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UnitAllocator.removed(List.of(a, b), tooMuch, 1));
        assertTrue(e.getMessage().contains("floor"), e.getMessage());
    }

    /**
     * A layer whose every unit costs little (its whole output matters little) against one whose costs are large but
     * spread out: z-scored, both layers look alike and give up two units each; ranked by the raw costs, the cheap
     * layer gives up all it may (the floor keeps one) and the other only what is left of the budget.
     */
    @Test
    void globalErrorRanksTheRawCostsAcrossLayers() {
        RemovalOrder cheap = order(0.01, 0.02, 0.03, 0.04), dear = order(1, 2, 3, 4);
        List<int[]> z = UnitAllocator.removed(List.of(cheap, dear), new Target(Structure.FFN_NEURONS, 0.5, null, Allocation.GLOBAL, 0.25), 1);
        assertEquals(2, z.get(0).length);
        assertEquals(2, z.get(1).length);
        List<int[]> raw = UnitAllocator.removed(List.of(cheap, dear),
                new Target(Structure.FFN_NEURONS, 0.5, null, Allocation.GLOBAL_ERROR, 0.25), 1);
        assertEquals(3, raw.get(0).length, "the cheap layer keeps only its floor");
        assertArrayEquals(new int[] {0}, raw.get(1), "the dear layer gives up its cheapest unit");
    }

    @Test
    void thresholdModeStopsWhenInformationDropsBelowTr() {
        RemovalOrder o = new RemovalOrder(new int[] {3, 1, 0, 2}, new double[] {-3, -2, -1, 0}, new double[] {3, 2, 1, 0});
        Target t = new Target(Structure.FFN_NEURONS, 0, 1.5, Allocation.UNIFORM, 0);
        assertArrayEquals(new int[] {3, 1}, UnitAllocator.removed(List.of(o), t, 1).get(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UnitAllocator.removed(List.of(order(1, 2)), t, 1));
        assertTrue(e.getMessage().contains("MI criterion"), e.getMessage());
    }

    @Test
    void planRoundTripsThroughJson() {
        PruningPlan p = new PruningPlan(2, List.of(new LayerPlan(0, new int[] {0, 2}, new int[] {1}, new int[] {2, 3}),
                LayerPlan.dense(1, 3, 4, 2)), new int[] {1}, Map.of("criterion", "mi"));
        PruningPlan back = PruningPlan.fromJson(p.toJson());
        assertArrayEquals(new int[] {0, 2}, back.layers().get(0).keptFfn());
        assertArrayEquals(new int[] {2, 3}, back.layers().get(0).keptHeads());
        assertArrayEquals(new int[] {1}, back.droppedLayers());
        assertEquals("mi", back.settings().get("criterion"));
        assertTrue(back.dropped(1));
    }

    @Test
    void layerDropKeepsAtLeastOneLayer() {
        // information-valued scores (mi-pairwise): cost = −bits
        java.util.List<LayerScores.Score> s = java.util.List.of(new LayerScores.Score(-3, 3, 0.1), new LayerScores.Score(-5, 5, 0.1),
                new LayerScores.Score(-1, 1, 0.2), new LayerScores.Score(-5, 5, 0.05));
        assertArrayEquals(new int[] {1, 3}, LayerDrop.choose(s, 0.5, null));
        assertArrayEquals(new int[] {0, 1, 3}, LayerDrop.choose(s, 0, 2.0));
        assertThrows(IllegalArgumentException.class, () -> LayerDrop.choose(java.util.List.of(new LayerScores.Score(1, 1, 1)), 0.9, null));
        // ties on cost go to the smaller change, then the lower index
        java.util.List<LayerScores.Score> tied = java.util.List.of(new LayerScores.Score(1, Double.NaN, 0.3), new LayerScores.Score(1, Double.NaN, 0.2),
                new LayerScores.Score(1, Double.NaN, 0.2), new LayerScores.Score(2, Double.NaN, 0.0));
        assertArrayEquals(new int[] {1}, LayerDrop.choose(tied, 0.25, null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerDrop.choose(tied, 0, 0.5));
        assertTrue(e.getMessage().contains("mi-pairwise"), e.getMessage());
    }
}
