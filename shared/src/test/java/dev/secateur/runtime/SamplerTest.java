package dev.secateur.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SamplerTest {
    @Test
    void greedyTopK1AndTinyTopPPickTheArgmax() {
        float[] logits = {0.1f, 2.5f, 2.4f, -1f};
        assertEquals(1, new Sampler(SamplingParams.greedy(1)).next(logits));
        Sampler topK1 = new Sampler(SamplingParams.sampled(1, 5.0, 1, 1.0, 7L));
        Sampler topP = new Sampler(SamplingParams.sampled(1, 1.0, 0, 1e-6, 7L));
        for (int i = 0; i < 100; i++) {
            assertEquals(1, topK1.next(logits));
            assertEquals(1, topP.next(logits));
        }
    }

    @Test
    void samplesFollowTheTemperedDistributionWithinTopK() {
        // p ∝ exp(logit): 1 : 3 between the top two; the third is excluded by topK = 2.
        float[] logits = {0f, (float) Math.log(3), -0.1f};
        Sampler s = new Sampler(SamplingParams.sampled(1, 1.0, 2, 1.0, 123L));
        int[] counts = new int[3];
        for (int i = 0; i < 20000; i++) {
            counts[s.next(logits)]++;
        }
        assertEquals(0, counts[2]);
        assertEquals(0.75, counts[1] / 20000.0, 0.02);
        // Without top-k the probabilities are 0.204, 0.612, 0.184: top-p 0.6 keeps only the most likely token,
        // top-p 0.7 keeps the top two.
        Sampler p = new Sampler(SamplingParams.sampled(1, 1.0, 0, 0.6, 1L));
        for (int i = 0; i < 200; i++) {
            assertEquals(1, p.next(logits));
        }
        Sampler p2 = new Sampler(SamplingParams.sampled(1, 1.0, 0, 0.7, 1L));
        int[] c2 = new int[3];
        for (int i = 0; i < 2000; i++) {
            c2[p2.next(logits)]++;
        }
        assertEquals(0, c2[2]);
        assertEquals(0.75, c2[1] / 2000.0, 0.04);
    }

    /**
     * p ∝ exp(logit / T): 4 : 2 : 1 : 0.25 at T = 1. min_p 0.3 drops the tokens under 0.3 × the top probability (ids 2
     * and 3: 1/4 and 1/16 of it) and samples the rest in proportion (2 : 1); at T = 2 the ratios are square-rooted
     * (1 : 0.71 : 0.5 : 0.25), so the same min_p keeps id 2 too.
     */
    @Test
    void minPDropsTokensLessLikelyThanItsShareOfTheTopOne() {
        float[] logits = {(float) Math.log(2), (float) Math.log(4), 0f, (float) Math.log(0.25)};
        Sampler s = new Sampler(new SamplingParams(1, 1.0, 0, 1.0, 0.3, 9L, 0, 0, false, 0, null, null));
        int[] counts = new int[4];
        for (int i = 0; i < 20000; i++) {
            counts[s.next(logits)]++;
        }
        assertEquals(0, counts[2] + counts[3]);
        assertEquals(2.0 / 3, counts[1] / 20000.0, 0.02);
        Sampler hot = new Sampler(new SamplingParams(1, 2.0, 0, 1.0, 0.3, 9L, 0, 0, false, 0, null, null));
        int[] c2 = new int[4];
        for (int i = 0; i < 20000; i++) {
            c2[hot.next(logits)]++;
        }
        assertEquals(0, c2[3]);
        assertEquals(0.5 / (1 + Math.sqrt(0.5) + 0.5), c2[2] / 20000.0, 0.02);
        Sampler withTopK = new Sampler(new SamplingParams(1, 2.0, 2, 1.0, 0.3, 9L, 0, 0, false, 0, null, null));
        for (int i = 0; i < 2000; i++) {
            assertTrue(withTopK.next(logits) <= 1, "top_k 2 then keeps ids 1 and 0 only");
        }
    }

    @Test
    void invalidParamsAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new SamplingParams(1, 1.0, 0, 1.0, 1.5, 1L, 0, 0, false, 0, null, null));
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.sampled(1, 1, 0, 0, 1L));
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.sampled(-1, 1, 0, 1, 1L));
    }

    /** The nucleus by brute force: every id sorted by logit, kept until the mass reaches top_p. */
    private static java.util.Set<Integer> nucleus(float[] logits, double temperature, double topP) {
        Integer[] ids = new Integer[logits.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        java.util.Arrays.sort(ids, (a, b) -> Float.compare(logits[b], logits[a]));
        double max = logits[ids[0]];
        double total = 0;
        for (float l : logits) {
            total += Math.exp((l - max) / temperature);
        }
        java.util.Set<Integer> out = new java.util.HashSet<>();
        double cum = 0;
        for (int id : ids) {
            out.add(id);
            cum += Math.exp((logits[id] - max) / temperature) / total;
            if (cum >= topP) {
                break;
            }
        }
        return out;
    }

    @Test
    void largeVocabulariesSampleFromTheSameNucleusAsAFullSort() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        float[] logits = new float[32000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (r.nextGaussian() * 3);
        }
        java.util.Set<Integer> allowed = nucleus(logits, 0.7, 0.9);
        Sampler s = new Sampler(SamplingParams.sampled(1, 0.7, 0, 0.9, 3L));
        for (int i = 0; i < 3000; i++) {
            int t = s.next(logits);
            assertTrue(allowed.contains(t), "token " + t + " is outside the nucleus of " + allowed.size());
        }
        // Plain temperature sampling (top_p 1, no top_k) follows softmax(logits / T): check on three tokens.
        float[] three = {0f, (float) Math.log(3), (float) Math.log(6)};
        Sampler plain = new Sampler(SamplingParams.sampled(1, 1.0, 0, 1.0, 9L));
        int[] c = new int[3];
        for (int i = 0; i < 20000; i++) {
            c[plain.next(three)]++;
        }
        assertEquals(0.1, c[0] / 20000.0, 0.015);
        assertEquals(0.3, c[1] / 20000.0, 0.02);
        assertEquals(0.6, c[2] / 20000.0, 0.02);
    }

    @Test
    void aNucleusReachingIntoTheNegligibleTailStillSamplesValidTokens() {
        // One dominant token and 100000 whose weights (e^-28 each) fall under the sort floor but together hold
        // 7e-8 of the mass: top_p above what the dominant token holds must reach into them.
        float[] logits = new float[100001];
        java.util.Arrays.fill(logits, -28f);
        logits[77] = 0f;
        assertTrue(nucleus(logits, 1.0, 1 - 1e-9).size() > 1);
        Sampler s = new Sampler(SamplingParams.sampled(1, 1.0, 0, 1 - 1e-9, 4L));
        int dominant = 0;
        for (int i = 0; i < 200; i++) {
            int t = s.next(logits);
            assertTrue(t >= 0 && t < logits.length);
            dominant += t == 77 ? 1 : 0;
        }
        assertTrue(dominant >= 199, "the dominant token was picked " + dominant + " times of 200");
        Sampler k3 = new Sampler(SamplingParams.sampled(1, 1.0, 3, 1.0, 4L));
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++) {
            seen.add(k3.next(logits));
        }
        assertTrue(seen.contains(77) && seen.stream().allMatch(t -> t == 77 || t == 0 || t == 1), seen.toString());
    }
}
