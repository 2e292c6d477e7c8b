package dev.secateur.prune.calibration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RowBudgetTest {

    @Test
    void equalBatchesKeepEqualCeilingShares() {
        // 32 windows of 128 tokens, 256 rows wanted: ⌈256 / 32⌉ = 8 each, as the statistics always took.
        int[] real = new int[32];
        Arrays.fill(real, 128);
        int[] rows = RowBudget.rows(real, 256);
        assertTrue(Arrays.stream(rows).allMatch(r -> r == 8), Arrays.toString(rows));
        assertArrayEquals(new int[] {3, 3, 3}, RowBudget.rows(new int[] {100, 100, 100}, 7));
    }

    @Test
    void unequalSentenceBatchesUnderTheBudgetKeepEveryRealToken() {
        // MiniLM's calibration: batches by length, the last one small. Every real token is kept.
        int[] real = {1280, 700, 513, 70};
        assertArrayEquals(real, RowBudget.rows(real, 4096));
    }

    @Test
    void overTheBudgetBatchesShareInProportionAndNeverExceedTheirTokens() {
        int[] real = {1000, 100, 10};
        int[] rows = RowBudget.rows(real, 222);
        assertArrayEquals(new int[] {200, 20, 2}, rows);
        int[] tiny = RowBudget.rows(new int[] {5000, 1}, 10);
        assertArrayEquals(new int[] {10, 1}, tiny);
        assertThrows(IllegalArgumentException.class, () -> RowBudget.rows(real, 0));
    }

    @Test
    void aCollectorKeepsEachBatchsOwnCountOfRows() {
        ActivationCollector c = new ActivationCollector(java.util.Set.of(), 0, 1, new int[] {3, 1}, 0);
        c.beginBatch(0, 10, new int[] {0, 1, 2, 5, 6});
        c.beginBatch(1, 4);
        assertThrows(IllegalArgumentException.class, () -> c.beginBatch(0, 2, new int[] {0, 1}));
    }
}
