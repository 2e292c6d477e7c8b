package dev.secateur.serve.engine;

import java.util.List;

/**
 * How a generation ended.
 *
 * @param logprobs natural-log probability of each emitted token under the distribution it was drawn from
 *                 (after penalties, before temperature and top-p); NaN where they were not asked for
 */
public record Generated(Finish finish, float[] logprobs) {

    static Generated of(Finish finish, List<Float> logprobs) {
        float[] out = new float[logprobs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = logprobs.get(i);
        }
        return new Generated(finish, out);
    }
}
