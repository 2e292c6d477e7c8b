package dev.secateur.store;

/** The store is readable but does not hold what was asked for, or holds it damaged. */
public class StoreException extends RuntimeException {

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
