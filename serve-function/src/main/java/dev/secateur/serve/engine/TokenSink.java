package dev.secateur.serve.engine;

/** Receives each generated token as soon as it is chosen. */
@FunctionalInterface
public interface TokenSink {
    /**
     * @param logprob natural-log probability of the token under the (temperature-scaled) distribution
     * @return false to stop generating
     */
    boolean accept(long tokenId, float logprob);
}
