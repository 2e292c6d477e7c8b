package dev.secateur.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

    @Test
    void invalidParamsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.sampled(1, 1, 0, 0, 1L));
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.sampled(-1, 1, 0, 1, 1L));
    }
}
