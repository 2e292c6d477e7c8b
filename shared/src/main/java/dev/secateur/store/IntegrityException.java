package dev.secateur.store;

import java.util.List;

/**
 * A stored version no longer matches its manifest (tampered, truncated, disk trouble). Serving such a
 * model could give silently wrong answers, so callers should treat it as unusable.
 */
public class IntegrityException extends StoreException {

    private final List<String> problems;

    public IntegrityException(String name, int version, List<String> problems) {
        super(name + " v" + version + " failed verification: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per bad file, each naming the file. */
    public List<String> problems() {
        return problems;
    }
}
