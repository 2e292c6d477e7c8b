package dev.secateur.events;

/**
 * A prune request that is well-formed JSON but asks for something we will not do. {@link #field()} lets
 * the failed event point the sender at the exact input to fix.
 */
public class RequestValidationException extends RuntimeException {

    private final String field;
    private final String reason;

    public RequestValidationException(String field, String reason) {
        super(field + ": " + reason);
        this.field = field;
        this.reason = reason;
    }

    /** Dotted path into the request, e.g. {@code source.version}; {@code data} for the request as a whole. */
    public String field() {
        return field;
    }

    public String reason() {
        return reason;
    }
}
