package dev.secateur.runtime;

/** An exported model folder that cannot be served: missing, altered, truncated or unreadable; the message names the file. */
public class ModelLoadException extends RuntimeException {
    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
