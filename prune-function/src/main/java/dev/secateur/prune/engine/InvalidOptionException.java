package dev.secateur.prune.engine;

/**
 * Options that the engine will not run, naming the prune request's JSON field at fault ("ffnRatio", "taylor",
 * "targetShape", ...), so that the service's failed event and the CLI's message can point at the input to fix without
 * reading the message. Knobs that only the engine has (minKeep, ridge, ...) are named by their option.
 */
public class InvalidOptionException extends IllegalArgumentException {
    private final String field;
    private final String reason;

    public InvalidOptionException(String field, String reason) {
        super(field + ": " + reason);
        this.field = field;
        this.reason = reason;
    }

    public String field() {
        return field;
    }

    /** The message without the field in front. */
    public String reason() {
        return reason;
    }
}
