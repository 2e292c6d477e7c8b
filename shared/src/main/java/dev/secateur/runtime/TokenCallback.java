package dev.secateur.runtime;

/** Receives each generated token as it is chosen (streaming); returning false stops generation (e.g. a stop string). */
@FunctionalInterface
public interface TokenCallback {
    boolean onToken(int tokenId);

    TokenCallback NONE = id -> true;
}
