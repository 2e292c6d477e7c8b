package dev.secateur.serve.model;

/** A version that loaded (or tried to) but must not be served. */
public class InvalidVersionException extends Exception {
    public InvalidVersionException(String message) {
        super(message);
    }
}
