package dev.secateur.serve.engine;

/**
 * How a generation ended.
 *
 * @param logprobs natural-log probability of each emitted token under the model's distribution
 */
public record Generated(Finish finish, float[] logprobs) {
}
