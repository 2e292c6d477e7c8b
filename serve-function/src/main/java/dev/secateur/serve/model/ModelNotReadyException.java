package dev.secateur.serve.model;

/** No version is loaded yet (or none could be). */
public class ModelNotReadyException extends RuntimeException {
    public ModelNotReadyException(String message) {
        super(message);
    }
}
