package dev.secateur.store;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Rejected versions (e.g. failed a quality gate) are kept for inspection but must never be what
 * {@link ModelStore#latest} hands to the server.
 */
public enum VersionStatus {
    PUBLISHED("published"),
    REJECTED("rejected");

    private final String json;

    VersionStatus(String json) {
        this.json = json;
    }

    @JsonValue
    public String json() {
        return json;
    }

    @JsonCreator
    public static VersionStatus fromJson(String value) {
        for (VersionStatus s : values()) {
            if (s.json.equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown version status '" + value + "' (expected published or rejected)");
    }
}
