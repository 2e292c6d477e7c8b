package dev.secateur.serve.engine;

import java.util.HashMap;
import java.util.Map;

/**
 * OpenAI's presence and frequency penalties over the tokens generated so far (the prompt does not count):
 * logit[j] -= count[j] * frequency + (count[j] > 0 ? presence : 0).
 */
final class Penalties {

    private final double presence;
    private final double frequency;
    private final Map<Integer, Integer> counts = new HashMap<>();

    Penalties(double presence, double frequency) {
        this.presence = presence;
        this.frequency = frequency;
    }

    /** The logits to sample from: the same array when nothing applies, else a penalised copy. */
    float[] apply(float[] logits) {
        if (counts.isEmpty() || (presence == 0 && frequency == 0)) {
            return logits;
        }
        float[] out = logits.clone();
        counts.forEach((id, c) -> out[id] -= (float) (c * frequency + presence));
        return out;
    }

    void generated(int id) {
        counts.merge(id, 1, Integer::sum);
    }
}
