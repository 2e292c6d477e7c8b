package dev.secateur.store;

/** A model name that must not become a directory name; the message quotes the offending value. */
public class InvalidModelNameException extends IllegalArgumentException {

    private final String name;

    public InvalidModelNameException(String name, String reason) {
        super("invalid model name " + quote(name) + ": " + reason);
        this.name = name;
    }

    public String name() {
        return name;
    }

    private static String quote(String name) {
        if (name == null) {
            return "null";
        }
        // Keep log lines readable when someone sends a megabyte of garbage as a name.
        String shown = name.length() > 80 ? name.substring(0, 80) + "...(" + name.length() + " chars)" : name;
        return "'" + shown + "'";
    }
}
