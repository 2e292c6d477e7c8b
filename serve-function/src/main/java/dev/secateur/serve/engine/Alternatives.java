package dev.secateur.serve.engine;

/** The most likely tokens at one step, most likely first, with their log-probabilities. */
public record Alternatives(long[] ids, float[] logprobs) {
}
