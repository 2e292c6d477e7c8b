package dev.secateur.serve.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** OpenAI's penalty formula and the log-softmax the logprobs come from, on numbers worked out by hand. */
class PenaltiesTest {

    @Test
    void presenceOnceFrequencyPerOccurrence() {
        Penalties p = new Penalties(0.5, 0.25, java.util.Map.of());
        float[] logits = {1, 2, 3, 4};
        assertSame(logits, p.apply(logits), "nothing generated yet: nothing to penalise");
        p.generated(3);
        p.generated(3);
        p.generated(1);
        assertArrayEquals(new float[] {1, 2 - 0.5f - 0.25f, 3, 4 - 0.5f - 0.5f}, p.apply(logits), 1e-6f);
        assertArrayEquals(new float[] {1, 2, 3, 4}, logits, "the model's logits are not changed in place");
    }

    @Test
    void logitBiasFromTheFirstStepThenPenaltiesOnTop() {
        Penalties p = new Penalties(0.5, 0, java.util.Map.of(0, -100f, 2, 1.5f));
        float[] logits = {1, 2, 3, 4};
        assertArrayEquals(new float[] {-99, 2, 4.5f, 4}, p.apply(logits), 1e-6f);
        p.generated(2);
        assertArrayEquals(new float[] {-99, 2, 4, 4}, p.apply(logits), 1e-6f);
        assertArrayEquals(new float[] {1, 2, 3, 4}, logits, "the model's logits are not changed in place");
    }

    @Test
    void logSoftmaxAndTopAlternatives() {
        LogSoftmax d = new LogSoftmax(new float[] {0, (float) Math.log(3), 0, (float) Math.log(2)});
        // probabilities 1/7, 3/7, 1/7, 2/7
        assertEquals(Math.log(3.0 / 7), d.at(1), 1e-6);
        Alternatives top = d.top(3);
        assertArrayEquals(new long[] {1, 3, 0}, top.ids(), "most likely first, lower id first on ties");
        assertEquals(Math.log(2.0 / 7), top.logprobs()[1], 1e-6);
        assertEquals(4, d.top(10).ids().length);
    }
}
