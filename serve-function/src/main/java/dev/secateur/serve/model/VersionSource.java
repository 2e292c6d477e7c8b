package dev.secateur.serve.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** The part of the model store the server reads. */
public interface VersionSource {

    /** Highest version that is not rejected. */
    OptionalInt latest(String name);

    /** Versions that are not rejected, newest first: where startup falls back to when the latest is broken. */
    default List<Integer> servable(String name) {
        OptionalInt latest = latest(name);
        return latest.isPresent() ? List.of(latest.getAsInt()) : List.of();
    }

    /** Re-hashes the version against its manifest and returns its folder; throws when anything is off. */
    Path verified(String name, int version);

    /** report.json of a version, when it has one. */
    Optional<JsonNode> report(String name, int version);
}
