package dev.secateur.serve.engine;

/** Receives each generated token as soon as it is chosen. */
@FunctionalInterface
public interface TokenSink {
    /** @return false to stop generating */
    boolean accept(long tokenId);

    /**
     * The token with what the engine knows of it at that step, so streamed chunks can carry log-probabilities.
     *
     * @param alternatives the most likely tokens at this step; null when none were asked for
     */
    default boolean accept(long tokenId, float logprob, Alternatives alternatives) {
        return accept(tokenId);
    }
}
