package dev.secateur.prune.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.prune.plan.MaskSettings;
import org.junit.jupiter.api.Test;

/** mask-opt plans with its start when the search ended worse than a criterion's plan on the search's own loss. */
class MaskStartKeptTest {

    static MaskSearch.Result ending(double start, double end) {
        return new MaskSearch.Result(new double[] {start, end}, 1.0, start, end, 4, 1.0);
    }

    static MaskSettings init(String init) {
        return new MaskSettings(40, 8, 0.1, init, 4, 0.2);
    }

    @Test
    void aCriterionsStartIsKeptOnlyWhenTheSearchEndedWorse() {
        assertTrue(StreamingPruner.keepsStart(init("mi"), ending(1.10, 1.20)));
        assertTrue(StreamingPruner.keepsStart(init("mi-error"), ending(1.10, 1.20)));
        assertFalse(StreamingPruner.keepsStart(init("mi"), ending(1.20, 1.10)), "a better final mask is the plan");
        assertFalse(StreamingPruner.keepsStart(init("mi"), ending(1.10, 1.10)), "a tie goes to the search");
    }

    @Test
    void aUniformStartIsNeverKept() {
        assertFalse(StreamingPruner.keepsStart(init("uniform"), ending(1.10, 1.20)));
    }
}
