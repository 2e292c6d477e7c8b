package dev.secateur.serve.model;

public class UnknownModelException extends RuntimeException {
    public UnknownModelException(String message) {
        super(message);
    }
}
