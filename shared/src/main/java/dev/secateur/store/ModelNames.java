package dev.secateur.store;

import java.util.regex.Pattern;

/**
 * Model names become directory names under the store root, and arrive from Kafka messages and HTTP
 * requests, so they are checked against a closed alphabet rather than cleaned: anything that could climb
 * out of the root or collide with the store's own dot-files is refused outright.
 */
public final class ModelNames {

    public static final int MAX_LENGTH = 63;

    // Starts with a letter or digit, so no ".", "..", ".lock", ".tmp-*" or "-flag"-looking names.
    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

    private ModelNames() {
    }

    public static boolean isValid(String name) {
        return reasonInvalid(name) == null;
    }

    /** @return the name, so it can be used inline */
    public static String requireValid(String name) {
        String reason = reasonInvalid(name);
        if (reason != null) {
            throw new InvalidModelNameException(name, reason);
        }
        return name;
    }

    /** @return why the name is refused, or null if it is fine */
    public static String reasonInvalid(String name) {
        if (name == null) {
            return "is missing";
        }
        if (name.isEmpty()) {
            return "is empty";
        }
        if (name.length() > MAX_LENGTH) {
            return "is " + name.length() + " characters long (at most " + MAX_LENGTH + ")";
        }
        if (name.contains("/") || name.contains("\\")) {
            return "contains a path separator";
        }
        if (name.contains("..")) {
            return "contains '..'";
        }
        if (!VALID.matcher(name).matches()) {
            return "must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit";
        }
        return null;
    }
}
