package dev.secateur.serve.model;

/** Every request slot is taken: the client should retry later (429, as OpenAI answers a rate limit). */
public class SaturatedException extends RuntimeException {
    public SaturatedException(String message) {
        super(message);
    }
}
