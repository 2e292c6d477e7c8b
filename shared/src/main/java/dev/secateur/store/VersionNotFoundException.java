package dev.secateur.store;

public class VersionNotFoundException extends StoreException {

    public VersionNotFoundException(String message) {
        super(message);
    }
}
