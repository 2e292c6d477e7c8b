package dev.secateur.prune.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Two plans in a row as one plan of the original model. */
class PlanCompositionTest {

    static PruningPlan plan(int[] ffn, int[] groups, int[] heads, int... dropped) {
        return new PruningPlan(1, List.of(new LayerPlan(0, ffn, groups, heads)), dropped, Map.of());
    }

    @Test
    void theLaterPlansPositionsPickTheEarlierPlansKeptUnits() {
        PruningPlan earlier = plan(new int[] {0, 2, 3, 5, 7}, new int[] {0, 2}, new int[] {0, 1, 4, 5});
        PruningPlan later = plan(new int[] {1, 3, 4}, new int[] {1}, new int[] {2, 3});
        LayerPlan both = PlanComposition.then(earlier, later, Map.of("k", "v")).layers().get(0);
        assertArrayEquals(new int[] {2, 5, 7}, both.keptFfn());
        assertArrayEquals(new int[] {2}, both.keptKvGroups());
        assertArrayEquals(new int[] {4, 5}, both.keptHeads());
    }

    @Test
    void aPositionBeyondWhatTheEarlierPlanKeptOrADroppedLayerIsRefused() {
        PruningPlan earlier = plan(new int[] {0, 2}, new int[] {0}, new int[] {0});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PlanComposition.then(earlier, plan(new int[] {2}, new int[] {0}, new int[] {0}), Map.of()));
        assertTrue(e.getMessage().contains("FFN neurons 2 of the 2"), e.getMessage());
        PruningPlan dropsLayer0 = plan(new int[] {0}, new int[] {0}, new int[] {0}, 0);
        e = assertThrows(IllegalArgumentException.class, () -> PlanComposition.then(earlier, dropsLayer0, Map.of()));
        assertTrue(e.getMessage().contains("drop layers"), e.getMessage());
    }
}
