package dev.secateur.serve.engine;

import java.util.HashMap;
import java.util.Map;

/**
 * OpenAI's logit_bias, then its presence and frequency penalties over the tokens generated so far (the prompt does
 * not count): logit[j] += bias[j] - count[j] * frequency - (count[j] > 0 ? presence : 0).
 */
final class Penalties {

    private final double presence;
    private final double frequency;
    private final Map<Integer, Float> bias;
    private final Map<Integer, Integer> counts = new HashMap<>();

    Penalties(double presence, double frequency, Map<Integer, Float> bias) {
        this.presence = presence;
        this.frequency = frequency;
        this.bias = bias;
    }

    /** The logits to sample from: the same array when nothing applies, else an adjusted copy. */
    float[] apply(float[] logits) {
        boolean penalised = !counts.isEmpty() && (presence != 0 || frequency != 0);
        if (!penalised && bias.isEmpty()) {
            return logits;
        }
        float[] out = logits.clone();
        bias.forEach((id, b) -> out[id] += b);
        if (penalised) {
            counts.forEach((id, c) -> out[id] -= (float) (c * frequency + presence));
        }
        return out;
    }

    void generated(int id) {
        counts.merge(id, 1, Integer::sum);
    }
}
