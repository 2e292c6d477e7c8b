package dev.secateur.events;

/**
 * An input refused with the name of the field at fault, so whoever reads the refusal (a failed event, the CLI) can
 * point at what to fix without parsing the message. The request's validation and the engine's option checks both
 * refuse this way; they stay two types because the service fails a job as an invalid request only for the former,
 * and turns the latter into one only where it checks the options before any work.
 */
public abstract class FieldException extends IllegalArgumentException {
    private final String field;
    private final String reason;

    protected FieldException(String field, String reason) {
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
