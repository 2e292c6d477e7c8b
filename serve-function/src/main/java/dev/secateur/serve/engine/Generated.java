package dev.secateur.serve.engine;

import java.util.List;

/**
 * How a generation ended.
 *
 * @param logprobs    natural-log probability of each emitted token under the distribution it was drawn from
 *                    (after penalties, before temperature and top-p)
 * @param alternatives per emitted token, the most likely tokens at that step (empty when none were asked)
 */
public record Generated(Finish finish, float[] logprobs, List<Alternatives> alternatives) {

    public Generated(Finish finish, float[] logprobs) {
        this(finish, logprobs, List.of());
    }
}
