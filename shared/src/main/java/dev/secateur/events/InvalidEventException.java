package dev.secateur.events;

/** The bytes received are not a CloudEvent we can read; the message says which rule was broken. */
public class InvalidEventException extends RuntimeException {

    public InvalidEventException(String reason) {
        super(reason);
    }

    public InvalidEventException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
