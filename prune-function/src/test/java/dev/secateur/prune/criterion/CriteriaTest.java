package dev.secateur.prune.criterion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;
import dev.secateur.prune.model.WithDjlManager;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CriteriaTest extends WithDjlManager {

    /** A layer with 6 FFN neurons (5 = 2 × neuron 1, neuron 4 independent and loud) and 4 heads in 2 KV groups. */
    static LayerActivations acts(int n, long seed) {
        Random r = new Random(seed);
        int ffn = 6, heads = 4, hd = 2;
        float[] z = new float[n * ffn], h = new float[n * heads * hd];
        for (int i = 0; i < n; i++) {
            double a = r.nextGaussian(), b = r.nextGaussian();
            z[i * ffn] = (float) a;
            z[i * ffn + 1] = (float) b;
            z[i * ffn + 2] = (float) (a + 0.5 * r.nextGaussian());
            z[i * ffn + 3] = (float) (0.1 * r.nextGaussian());
            z[i * ffn + 4] = (float) (3 * r.nextGaussian());
            z[i * ffn + 5] = (float) (2 * b);
            for (int c = 0; c < heads * hd; c++) {
                h[i * heads * hd + c] = (float) r.nextGaussian();
            }
        }
        return new LayerActivations(0, heads, 2, hd, new Tensor(new int[] {n, ffn}, z), null, new Tensor(new int[] {n, heads * hd}, h), null, null);
    }

    static LayerWeights weights() {
        Random r = new Random(3);
        int hidden = 5, ffn = 6, qdim = 8;
        float[] down = new float[hidden * ffn];
        for (int i = 0; i < down.length; i++) {
            down[i] = (float) r.nextGaussian();
        }
        float[] o = new float[hidden * qdim];
        for (int i = 0; i < o.length; i++) {
            o[i] = (float) r.nextGaussian();
        }
        Tensor up = Tensor.zeros(ffn, hidden);
        return new LayerWeights(null, null, Tensor.zeros(qdim, hidden), null, Tensor.zeros(4, hidden), null, Tensor.zeros(4, hidden), null,
                new Tensor(new int[] {hidden, qdim}, o), null, null, null, up, null, up, null, new Tensor(new int[] {hidden, ffn}, down), null);
    }

    @Test
    void unknownMethodIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Criteria.byName("snip", manager, Criteria.Settings.defaults(1)));
        assertTrue(e.getMessage().contains("unknown pruning method 'snip'") && e.getMessage().contains("wanda-sp"), e.getMessage());
    }

    @Test
    void baselinesMatchTheirFormulas() {
        LayerActivations a = acts(100, 1);
        LayerWeights w = weights();
        float[] d = w.down().data();
        double[] mag = new MagnitudeCriterion().scores(a, w, Structure.FFN_NEURONS);
        double[] wanda = new WandaSpCriterion().scores(a, w, Structure.FFN_NEURONS);
        double[] flap = new FlapCriterion().scores(a, w, Structure.FFN_NEURONS);
        ColumnStats st = ColumnStats.of(a.ffnIntermediate());
        for (int j = 0; j < 6; j++) {
            double e = 0, l1 = 0;
            for (int i = 0; i < 5; i++) {
                e += (double) d[i * 6 + j] * d[i * 6 + j];
                l1 += Math.abs(d[i * 6 + j]);
            }
            assertEquals(Math.sqrt(e), mag[j], 1e-6 * mag[j]);
            assertEquals(l1 * st.l2()[j], wanda[j], 1e-6 * wanda[j]);
            assertEquals(st.variance()[j] * e, flap[j], 1e-6 * flap[j]);
        }
        assertEquals(2, new MagnitudeCriterion().scores(a, w, Structure.ATTENTION_HEADS).length, "heads are scored per KV group");
        double[] r1 = new RandomCriterion(7).scores(a, w, Structure.FFN_NEURONS), r2 = new RandomCriterion(7).scores(a, w, Structure.FFN_NEURONS);
        assertArrayEquals(r1, r2);
    }

    @Test
    void miSetRemovesTheNeuronItsPartnerCanReplace() {
        LayerActivations a = acts(2000, 2);
        LayerWeights w = weights();
        RemovalOrder o = new MiSetSelector(manager, 1e-4, 1.0).order(a, w, Structure.FFN_NEURONS);
        int first = o.order()[0];
        assertTrue(first == 1 || first == 5, "a neuron of the exact pair (1, 5 = 2·1) goes first: " + java.util.Arrays.toString(o.order()));
        assertTrue(o.information()[0] > 5, "bits: " + o.information()[0]);
        // the partner of the removed one is no longer redundant
        int partner = first == 1 ? 5 : 1;
        int pos = java.util.stream.IntStream.range(0, 6).filter(i -> o.order()[i] == partner).findFirst().getAsInt();
        assertTrue(o.information()[pos] < 1, "partner after removal: " + o.information()[pos]);
    }

    @Test
    void miPairwiseRemovesAMemberOfTheMostRedundantPair() {
        LayerActivations a = acts(300, 3);
        RemovalOrder o = new MiPairwiseSelector(manager, new dev.secateur.prune.mi.RenyiMutualInformation(1.0), 300, 1)
                .order(a, weights(), Structure.FFN_NEURONS);
        int first = o.order()[0];
        assertTrue(first == 1 || first == 5, java.util.Arrays.toString(o.order()));
        RemovalOrder heads = new MiPairwiseSelector(manager, new dev.secateur.prune.mi.RenyiMutualInformation(1.0), 300, 1)
                .order(a, weights(), Structure.ATTENTION_HEADS);
        assertEquals(2, heads.units());
    }

    @Test
    void scoresAreInvariantToTokenOrder() {
        LayerActivations a = acts(256, 4);
        int[] perm = new int[256];
        java.util.List<Integer> p = new java.util.ArrayList<>();
        for (int i = 0; i < 256; i++) {
            p.add(i);
        }
        java.util.Collections.shuffle(p, new Random(5));
        for (int i = 0; i < 256; i++) {
            perm[i] = p.get(i);
        }
        LayerActivations b = a.permuteRows(perm);
        LayerWeights w = weights();
        for (Selector s : new Selector[] {new MiSetSelector(manager, 1e-2, 1.0),
                // the pairwise estimator subsamples tokens: invariant when it keeps them all
                new MiPairwiseSelector(manager, new dev.secateur.prune.mi.RenyiMutualInformation(1.0), 256, 1),
                new ScoreSelector(new WandaSpCriterion()), new ScoreSelector(new FlapCriterion())}) {
            for (Structure st : new Structure[] {Structure.FFN_NEURONS, Structure.ATTENTION_HEADS}) {
                RemovalOrder x = s.order(a, w, st), y = s.order(b, w, st);
                assertArrayEquals(x.order(), y.order(), s.name() + " " + st);
                for (int i = 0; i < x.units(); i++) {
                    assertEquals(x.cost()[i], y.cost()[i], 1e-4 * Math.max(1, Math.abs(x.cost()[i])), s.name());
                }
            }
        }
    }

    @Test
    void headsFollowTheMethodOverKvGroupOutputBlocks() {
        // 3 KV groups of one head (2 columns each): group 0's output is a rotation of group 1's (redundant), group 2 is
        // independent and writes through small o_proj columns
        int n = 1000, hidden = 4, groups = 3, hd = 2, width = groups * hd;
        Random r = new Random(9);
        float[] h = new float[n * width];
        for (int i = 0; i < n; i++) {
            double a = r.nextGaussian(), b = r.nextGaussian();
            h[i * width + 2] = (float) a;
            h[i * width + 3] = (float) b;
            h[i * width] = (float) (0.6 * a - 0.8 * b + 1e-3 * r.nextGaussian());
            h[i * width + 1] = (float) (0.8 * a + 0.6 * b + 1e-3 * r.nextGaussian());
            h[i * width + 4] = (float) (3 * r.nextGaussian());
            h[i * width + 5] = (float) (3 * r.nextGaussian());
        }
        float[] o = new float[hidden * width];
        for (int i = 0; i < hidden; i++) {
            for (int c = 0; c < width; c++) {
                o[i * width + c] = (float) (r.nextGaussian() * (c >= 4 ? 0.1 : 1.0));
            }
        }
        Tensor up = Tensor.zeros(6, hidden);
        LayerWeights w = new LayerWeights(null, null, Tensor.zeros(width, hidden), null, Tensor.zeros(width, hidden), null, Tensor.zeros(width, hidden),
                null, new Tensor(new int[] {hidden, width}, o), null, null, null, up, null, up, null, Tensor.zeros(hidden, 6), null);
        LayerActivations a = new LayerActivations(0, groups, groups, hd, Tensor.zeros(n, 6), null, new Tensor(new int[] {n, width}, h), null, null);
        int mi = new MiSetSelector(manager, 1e-6, 1.0).order(a, w, Structure.ATTENTION_HEADS).order()[0];
        int pairwise = new MiPairwiseSelector(manager, new dev.secateur.prune.mi.RenyiMutualInformation(1.0), 256, 1)
                .order(a, w, Structure.ATTENTION_HEADS).order()[0];
        int magnitude = new ScoreSelector(new MagnitudeCriterion()).order(a, w, Structure.ATTENTION_HEADS).order()[0];
        assertTrue(mi == 0 || mi == 1, "mi removes a member of the redundant pair first, not " + mi);
        assertTrue(pairwise == 0 || pairwise == 1, "mi-pairwise removes a member of the redundant pair first, not " + pairwise);
        assertEquals(2, magnitude, "magnitude removes the group with the smallest o_proj columns");
    }
}
