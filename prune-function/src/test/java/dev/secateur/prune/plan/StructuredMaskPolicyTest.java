package dev.secateur.prune.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.prune.criterion.RemovalOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The weighted budget over units of different costs, the final mask's fit to it, and a descent whose answer is known. */
class StructuredMaskPolicyTest {

    /** A random model: 2 to 6 layers, units of unequal costs, a layer's own part and parameters outside the layers. */
    static StructureCosts randomCosts(SplittableRandom r) {
        int n = 2 + r.nextInt(5);
        int[] widths = new int[n], groups = new int[n];
        long[] neuron = new long[n], group = new long[n], layer = new long[n];
        for (int l = 0; l < n; l++) {
            widths[l] = 3 + r.nextInt(40);
            groups[l] = 1 + r.nextInt(4);
            neuron[l] = 5 + r.nextInt(50);
            group[l] = 20 + r.nextInt(300);
            layer[l] = r.nextInt(100) + widths[l] * neuron[l] + groups[l] * group[l];
        }
        groups[0] = Math.max(2, groups[0]);
        layer[0] = r.nextInt(100) + widths[0] * neuron[0] + groups[0] * group[0];
        return new StructureCosts(widths, neuron, groups, group, layer, Arrays.stream(layer).sum() + r.nextInt(2000));
    }

    static Set<MaskStructure> randomStructures(SplittableRandom r) {
        Set<MaskStructure> s = EnumSet.noneOf(MaskStructure.class);
        while (s.isEmpty()) {
            for (MaskStructure m : MaskStructure.values()) {
                if (r.nextBoolean()) {
                    s.add(m);
                }
            }
        }
        return s;
    }

    static List<RemovalOrder> randomOrders(int[] units, SplittableRandom r) {
        List<RemovalOrder> out = new ArrayList<>();
        for (int u : units) {
            double[] cost = new double[u];
            for (int i = 0; i < u; i++) {
                cost[i] = r.nextDouble();
            }
            out.add(RemovalOrder.ascending(cost));
        }
        return out;
    }

    /** What removing one more neuron or KV group of a kept layer would save, for each the floors still allow. */
    static List<Long> furtherSavings(StructureCosts c, Set<MaskStructure> s, UnitMask m, double minKeep) {
        List<Long> out = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            if (!m.keepsLayer(l)) {
                continue;
            }
            int ffnLeft = m.ffn() == null ? c.widths()[l] : count(m.ffn()[l]);
            int groupsLeft = m.groups() == null ? c.groups()[l] : count(m.groups()[l]);
            if (s.contains(MaskStructure.FFN) && ffnLeft > Math.max(1, (int) Math.ceil(minKeep * c.widths()[l]))) {
                out.add(c.neuron()[l]);
            }
            if (s.contains(MaskStructure.KV_GROUPS) && groupsLeft > 1) {
                out.add(c.group()[l]);
            }
        }
        return out;
    }

    static int count(boolean[] b) {
        int n = 0;
        for (boolean v : b) {
            n += v ? 1 : 0;
        }
        return n;
    }

    /**
     * Over many random models, structure choices, budgets and starts: after every step the expected kept parameters are on
     * the budget, every θ inside (0, 1); the final mask never removes more than the budget and, where it holds neurons or
     * KV groups, falls short by less than any of them it could still remove (so by less than one unit's cost).
     */
    @Test
    void theBudgetIsMetWithinOneUnitOverManyRandomCases() {
        SplittableRandom r = new SplittableRandom(7);
        int cases = 0;
        while (cases < 300) {
            StructureCosts c = randomCosts(r);
            Set<MaskStructure> s = randomStructures(r);
            double ratio = 0.02 + 0.5 * r.nextDouble();
            double minKeep = 0.05 + 0.2 * r.nextDouble();
            StructuredMaskPolicy p;
            try {
                p = StructuredMaskPolicy.create(c, s, ratio, minKeep, r.nextBoolean() ? randomOrders(c.widths(), r) : null,
                        r.nextBoolean() ? randomOrders(c.groups(), r) : null);
            } catch (IllegalArgumentException e) {
                // a budget beyond what the floors leave, or below the cheapest unit: refused, as it must be
                assertTrue(e.getMessage().contains("removes"), e.getMessage());
                continue;
            }
            cases++;
            long target = c.total() - p.removedTarget();
            assertEquals(Math.round(ratio * c.total()), p.removedTarget());
            for (int step = 0; step < 4; step++) {
                assertEquals(target, p.expectedKept(), 1e-6 * c.total(), "case " + cases + " step " + step + " " + s);
                List<UnitMask> masks = new ArrayList<>();
                double[] losses = new double[3];
                for (int k = 0; k < losses.length; k++) {
                    masks.add(p.sample(r));
                    losses[k] = r.nextDouble();
                }
                p.step(masks, losses, 0.3 + r.nextDouble());
            }
            assertEquals(target, p.expectedKept(), 1e-6 * c.total());
            for (double[] part : new double[][] {p.layerTheta() == null ? new double[0] : p.layerTheta(),
                    p.ffnTheta() == null ? new double[0] : Arrays.stream(p.ffnTheta()).flatMapToDouble(Arrays::stream).toArray(),
                    p.groupTheta() == null ? new double[0] : Arrays.stream(p.groupTheta()).flatMapToDouble(Arrays::stream).toArray()}) {
                for (double t : part) {
                    assertTrue(t > 0 && t < 1, "θ " + t);
                }
            }
            UnitMask m = p.mostLikely();
            long removed = c.total() - c.kept(m);
            long gap = p.removedTarget() - removed;
            assertTrue(gap >= 0, "removed " + removed + " of a budget of " + p.removedTarget());
            for (long save : furtherSavings(c, s, m, minKeep)) {
                assertTrue(save > gap, "one more unit of " + save + " parameters fits the gap of " + gap + " (" + s + ")");
            }
            if (s.contains(MaskStructure.FFN)) {
                // neurons are the cheapest units here; while any neuron could still go, the gap is under one neuron
                boolean neuronLeft = furtherSavings(c, EnumSet.of(MaskStructure.FFN), m, minKeep).size() > 0;
                if (neuronLeft) {
                    assertTrue(gap < Arrays.stream(c.neuron()).max().getAsLong(), "gap " + gap);
                }
            }
            assertFalse(m.layers() != null && count(m.layers()) == 0, "one layer stays");
            if (m.groups() != null) {
                for (int l = 0; l < c.layers(); l++) {
                    assertTrue(!m.keepsLayer(l) || count(m.groups()[l]) >= 1, "a kept layer keeps a KV group");
                }
            }
        }
    }

    /** Without layer variables the expectation is linear, Σ cost_i θ_i, and the projection a common shift of every θ. */
    @Test
    void withoutLayersTheBudgetIsTheCostWeightedSum() {
        StructureCosts c = new StructureCosts(new int[] {4, 4}, new long[] {10, 10}, new int[] {2, 2}, new long[] {100, 100},
                new long[] {250, 250}, 600);
        StructuredMaskPolicy p = StructuredMaskPolicy.create(c, EnumSet.of(MaskStructure.FFN, MaskStructure.KV_GROUPS), 0.3, 0.05, null, null);
        double weighted = 100 + 2 * 10; // outside and the layers' own parts
        for (double[] row : p.ffnTheta()) {
            for (double t : row) {
                weighted += 10 * t;
            }
        }
        for (double[] row : p.groupTheta()) {
            for (double t : row) {
                weighted += 100 * t;
            }
        }
        assertEquals(600 - 180, weighted, 1e-6);
        // a uniform start shifted by one τ: every neuron and every group at the same θ
        double f = p.ffnTheta()[0][0], g = p.groupTheta()[0][0];
        assertEquals(f, g, 1e-12);
        // every θ tied: neurons go first, 3 a layer down to the floor of one (60), then one group (100); no unit fits the 20 left
        UnitMask m = p.mostLikely();
        assertEquals(160, 600 - c.kept(m));
        assertEquals(1, count(m.ffn()[0]));
        assertEquals(1, count(m.groups()[0]) + count(m.groups()[1]) - 2);
    }

    /** A dropped layer's neurons and groups are not counted again: dropping a layer saves what of it is still kept. */
    @Test
    void aDroppedLayerCountsItsUnitsOnce() {
        StructureCosts c = new StructureCosts(new int[] {4, 4}, new long[] {10, 10}, new int[] {2, 2}, new long[] {100, 100},
                new long[] {250, 250}, 600);
        boolean[][] ffn = {{false, false, true, true}, {true, true, true, true}};
        boolean[][] groups = {{false, true}, {true, true}};
        assertEquals(600 - 20 - 100, c.kept(new UnitMask(null, ffn, groups)));
        assertEquals(600 - 250, c.kept(new UnitMask(new boolean[] {false, true}, ffn, groups)));
        assertEquals(600 - 250, c.kept(new UnitMask(new boolean[] {false, true}, null, null)));
    }

    /**
     * A search with a known answer on a synthetic loss: of 4 layers and 3 KV groups each, layer 2 and group 1 of layer 0
     * cost nothing to remove, everything else costs; the budget is exactly that layer and that group.
     */
    @Test
    void theDescentFindsTheFreeLayerAndGroup() {
        int n = 4;
        int[] widths = new int[n], groups = new int[n];
        long[] neuron = new long[n], group = new long[n], layer = new long[n];
        Arrays.fill(widths, 8);
        Arrays.fill(groups, 3);
        Arrays.fill(neuron, 30);
        Arrays.fill(group, 200);
        Arrays.fill(layer, 8 * 30 + 3 * 200 + 10);
        StructureCosts c = new StructureCosts(widths, neuron, groups, group, layer, 4 * 850 + 1000);
        double ratio = (850 + 200.0) / c.total();
        StructuredMaskPolicy p = StructuredMaskPolicy.create(c, EnumSet.of(MaskStructure.KV_GROUPS, MaskStructure.LAYERS), ratio, 0.05, null, null);
        SplittableRandom r = new SplittableRandom(3);
        for (int step = 0; step < 60; step++) {
            List<UnitMask> masks = new ArrayList<>();
            double[] losses = new double[8];
            for (int k = 0; k < losses.length; k++) {
                UnitMask m = p.sample(r);
                masks.add(m);
                double loss = 0;
                for (int l = 0; l < n; l++) {
                    if (!m.keepsLayer(l)) {
                        loss += l == 2 ? 0 : 1;
                        continue;
                    }
                    for (int g = 0; g < 3; g++) {
                        loss += !m.groups()[l][g] && !(l == 0 && g == 1) && l != 2 ? 0.3 : 0;
                    }
                }
                losses[k] = loss + 0.01 * r.nextDouble();
            }
            p.step(masks, losses, 0.1);
        }
        UnitMask best = p.mostLikely();
        assertArrayEquals(new boolean[] {true, true, false, true}, best.layers(), p.expected());
        assertArrayEquals(new boolean[] {true, false, true}, best.groups()[0], p.expected());
        assertArrayEquals(new boolean[] {true, true, true}, best.groups()[1]);
        assertArrayEquals(new boolean[] {true, true, true}, best.groups()[3]);
        assertEquals(c.total() - p.removedTarget(), c.kept(best));
    }

    @Test
    void impossibleCombinationsAreRefused() {
        StructureCosts oneGroup = new StructureCosts(new int[] {4, 4}, new long[] {10, 10}, new int[] {1, 1}, new long[] {100, 100},
                new long[] {150, 150}, 400);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StructuredMaskPolicy.create(oneGroup, EnumSet.of(MaskStructure.KV_GROUPS), 0.1, 0.05, null, null));
        assertTrue(e.getMessage().contains("kv-groups: every layer of this model has one KV group"), e.getMessage());
        StructureCosts c = new StructureCosts(new int[] {4, 4}, new long[] {10, 10}, new int[] {2, 2}, new long[] {100, 100},
                new long[] {250, 250}, 600);
        e = assertThrows(IllegalArgumentException.class, () -> StructuredMaskPolicy.create(c, EnumSet.of(MaskStructure.KV_GROUPS), 0.9, 0.05, null, null));
        assertTrue(e.getMessage().contains("removes more than those structures can: at most 200"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> StructuredMaskPolicy.create(c, EnumSet.of(MaskStructure.LAYERS), 0.1, 0.05, null, null));
        assertTrue(e.getMessage().contains("removes less than the cheapest unit (250 parameters)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MaskStructure.parse(List.of("ffn", "heads")));
        assertTrue(e.getMessage().contains("'heads' is not one of [ffn, kv-groups, layers]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MaskStructure.parse(List.of()));
        assertTrue(e.getMessage().contains("at least one"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MaskStructure.parse(List.of("layers", "layers")));
        assertTrue(e.getMessage().contains("named twice"), e.getMessage());
    }
}
