package dev.secateur.prune.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.events.Allocation;
import dev.secateur.prune.criterion.RemovalOrder;
import dev.secateur.prune.criterion.Structure;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The budget, the projection, the start from a criterion and the descent on a loss whose best mask is known. */
class MaskPolicyTest {
    static final int[] WIDTHS = {20, 30, 10};

    static double groupSum(double[][] theta) {
        return Arrays.stream(theta).flatMapToDouble(Arrays::stream).sum();
    }

    static List<RemovalOrder> orders(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<RemovalOrder> out = new ArrayList<>();
        for (int w : WIDTHS) {
            double[] cost = new double[w];
            for (int i = 0; i < w; i++) {
                cost[i] = r.nextDouble() * (1 + out.size());
            }
            out.add(RemovalOrder.ascending(cost));
        }
        return out;
    }

    @Test
    void everyStepKeepsTheExpectedKeptCountOnTheBudget() {
        MaskBudget global = MaskBudget.fromFfnRatio(WIDTHS, 10, 0.4, Allocation.GLOBAL, 0.05);
        MaskBudget uniform = MaskBudget.fromFfnRatio(WIDTHS, 10, 0.4, Allocation.UNIFORM, 0.05);
        assertEquals(36, global.keptTotal());
        assertArrayEquals(new int[] {12, 18, 6}, uniform.kept());
        SplittableRandom r = new SplittableRandom(1);
        for (MaskPolicy p : List.of(MaskPolicy.uniform(global), MaskPolicy.fromOrders(global, orders(2), false), MaskPolicy.fromOrders(uniform, orders(2), false))) {
            planIsTheMostLikelyMask(p); // a uniform start: every θ tied
            for (int step = 0; step < 5; step++) {
                List<boolean[][]> masks = new ArrayList<>();
                double[] losses = new double[4];
                for (int k = 0; k < 4; k++) {
                    masks.add(p.sample(r));
                    losses[k] = r.nextDouble();
                }
                p.step(masks, losses, 0.5);
                double[][] t = p.theta();
                if (p.budget().allocation() == Allocation.GLOBAL) {
                    assertEquals(36, groupSum(t), 1e-9);
                } else {
                    for (int l = 0; l < WIDTHS.length; l++) {
                        assertEquals(uniform.kept()[l], Arrays.stream(t[l]).sum(), 1e-9, "layer " + l);
                    }
                }
                assertTrue(Arrays.stream(t).flatMapToDouble(Arrays::stream).allMatch(v -> v >= MaskPolicy.EPS - 1e-12 && v <= 1 - MaskPolicy.EPS + 1e-12));
                boolean[][] keep = p.mostLikely();
                int kept = 0;
                for (int l = 0; l < keep.length; l++) {
                    int inLayer = 0;
                    for (boolean b : keep[l]) {
                        inLayer += b ? 1 : 0;
                    }
                    assertTrue(inLayer >= p.budget().floors()[l], "layer " + l + " keeps " + inLayer);
                    kept += inLayer;
                }
                assertEquals(p.budget().keptTotal(), kept);
                planIsTheMostLikelyMask(p);
            }
        }
    }

    /** The plan the engine applies (the first removedCounts of each order) is exactly the most likely mask, ties included. */
    static void planIsTheMostLikelyMask(MaskPolicy p) {
        boolean[][] keep = p.mostLikely();
        int[] counts = p.removedCounts();
        List<RemovalOrder> orders = p.removalOrders();
        for (int l = 0; l < keep.length; l++) {
            for (int q = 0; q < keep[l].length; q++) {
                assertEquals(q >= counts[l], keep[l][orders.get(l).order()[q]], "layer " + l + " position " + q);
            }
        }
    }

    /** Started from a criterion, the most likely mask is the criterion's own plan: global allocation's choice, or its per-layer cut. */
    @Test
    void theStartFromACriterionIsThatCriterionsPlan() {
        List<RemovalOrder> o = orders(7);
        Target t = new Target(Structure.FFN_NEURONS, 0.4, null, Allocation.GLOBAL, 0.05);
        List<int[]> removed = UnitAllocator.removed(o, t, 1);
        int[] counts = MaskPolicy.fromOrders(MaskBudget.fromFfnRatio(WIDTHS, 10, 0.4, Allocation.GLOBAL, 0.05), o, false).removedCounts();
        boolean[][] keep = MaskPolicy.fromOrders(MaskBudget.fromFfnRatio(WIDTHS, 10, 0.4, Allocation.GLOBAL, 0.05), o, false).mostLikely();
        for (int l = 0; l < WIDTHS.length; l++) {
            assertEquals(removed.get(l).length, counts[l], "layer " + l);
            for (int unit : removed.get(l)) {
                assertTrue(!keep[l][unit], "layer " + l + " unit " + unit + " should go");
            }
        }
        boolean[][] perLayer = MaskPolicy.fromOrders(MaskBudget.fromFfnRatio(WIDTHS, 10, 0.4, Allocation.UNIFORM, 0.05), o, false).mostLikely();
        for (int l = 0; l < WIDTHS.length; l++) {
            int cut = (int) Math.round(0.4 * WIDTHS[l]);
            for (int p = 0; p < WIDTHS[l]; p++) {
                assertEquals(p >= cut, perLayer[l][o.get(l).order()[p]], "layer " + l + " position " + p);
            }
        }
    }

    /** Started from mi's raw costs ("mi-error"), the most likely mask is the global-error allocation's plan, not global's. */
    @Test
    void theStartFromRawCostsIsTheGlobalErrorPlan() {
        List<RemovalOrder> o = orders(7);
        MaskBudget b = MaskBudget.fromFfnRatio(WIDTHS, 10, 0.4, Allocation.GLOBAL, 0.05);
        List<int[]> removed = UnitAllocator.removed(o, new Target(Structure.FFN_NEURONS, 0.4, null, Allocation.GLOBAL_ERROR, 0.05), 1);
        List<int[]> zscored = UnitAllocator.removed(o, new Target(Structure.FFN_NEURONS, 0.4, null, Allocation.GLOBAL, 0.05), 1);
        MaskPolicy raw = MaskPolicy.fromOrders(b, o, true);
        int[] counts = raw.removedCounts();
        boolean[][] keep = raw.mostLikely();
        boolean differs = false;
        for (int l = 0; l < WIDTHS.length; l++) {
            assertEquals(removed.get(l).length, counts[l], "layer " + l);
            for (int unit : removed.get(l)) {
                assertTrue(!keep[l][unit], "layer " + l + " unit " + unit + " should go");
            }
            differs |= zscored.get(l).length != counts[l];
        }
        assertTrue(differs, "these costs grow with the layer, so raw and z-scored rankings must split the budget differently");
    }

    /** Units that cost nothing to remove are found from a uniform start by forward evaluations of the loss alone. */
    @Test
    void descentFindsTheFreeUnitsOfASyntheticLoss() {
        SplittableRandom r = new SplittableRandom(4);
        double[][] cost = new double[WIDTHS.length][];
        List<String> free = new ArrayList<>();
        for (int l = 0; l < WIDTHS.length; l++) {
            cost[l] = new double[WIDTHS[l]];
            for (int i = 0; i < WIDTHS[l]; i++) {
                boolean isFree = (i * 7 + l) % 5 == 0;
                cost[l][i] = isFree ? 0 : 0.5 + r.nextDouble();
                if (isFree) {
                    free.add(l + ":" + i);
                }
            }
        }
        double ratio = (double) free.size() / Arrays.stream(WIDTHS).sum();
        MaskPolicy p = MaskPolicy.uniform(MaskBudget.fromFfnRatio(WIDTHS, 10, ratio, Allocation.GLOBAL, 0.05));
        for (int step = 0; step < 300; step++) {
            List<boolean[][]> masks = new ArrayList<>();
            double[] losses = new double[8];
            for (int k = 0; k < 8; k++) {
                boolean[][] m = p.sample(r);
                masks.add(m);
                for (int l = 0; l < m.length; l++) {
                    for (int i = 0; i < m[l].length; i++) {
                        losses[k] += m[l][i] ? 0 : cost[l][i];
                    }
                }
                losses[k] += 0.1 * r.nextGaussian(); // noise in every evaluation
            }
            p.step(masks, losses, 0.01);
        }
        boolean[][] keep = p.mostLikely();
        List<String> removed = new ArrayList<>();
        for (int l = 0; l < keep.length; l++) {
            for (int i = 0; i < keep[l].length; i++) {
                if (!keep[l][i]) {
                    removed.add(l + ":" + i);
                }
            }
        }
        assertEquals(free, removed);
    }

    @Test
    void aBudgetTheFfnCannotGiveIsRefused() {
        // 3 × 768 parameters per neuron: 60 % of a model with 60 neurons' worth of FFN and as much elsewhere needs 72 neurons
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MaskBudget.fromParameters(WIDTHS, 768, 2L * 60 * 768, 0.6, Allocation.GLOBAL, 0.05));
        assertTrue(e.getMessage().contains("needs 72 FFN neurons removed, but the FFN has 60"), e.getMessage());
        MaskBudget b = MaskBudget.fromParameters(WIDTHS, 768, 2L * 60 * 768, 0.2, Allocation.GLOBAL, 0.05);
        assertEquals(60 - 24, b.keptTotal());
        assertEquals(24L * 768, b.removedParameters());
    }
}
