package dev.secateur.serve.engine;

/** Receives each generated token as soon as it is chosen. */
@FunctionalInterface
public interface TokenSink {
    /** @return false to stop generating */
    boolean accept(long tokenId);
}
