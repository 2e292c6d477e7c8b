package dev.secateur.events;

/**
 * A prune request that is well-formed JSON but asks for something we will not do. {@link #field()} is a dotted path
 * into the request, e.g. {@code source.version}, or {@code data} for the request as a whole.
 */
public class RequestValidationException extends FieldException {

    public RequestValidationException(String field, String reason) {
        super(field, reason);
    }
}
