package dev.secateur.serve.engine;

/**
 * How a generation ended.
 *
 * @param logprobs natural-log probability of each emitted token under the distribution it was drawn from
 *                 (after penalties, before temperature and top-p)
 */
public record Generated(Finish finish, float[] logprobs) {
}
