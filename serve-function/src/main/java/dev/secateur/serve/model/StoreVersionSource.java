package dev.secateur.serve.model;

import dev.secateur.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.store.ModelStore;
import dev.secateur.store.VersionStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** The shared file-system {@link ModelStore}: every load re-hashes the version against its manifest. */
public final class StoreVersionSource implements VersionSource {

    static final String REPORT = "report.json";

    private final ModelStore store;

    public StoreVersionSource(ModelStore store) {
        this.store = store;
    }

    @Override
    public OptionalInt latest(String name) {
        return store.latest(name);
    }

    @Override
    public List<Integer> servable(String name) {
        List<Integer> out = new ArrayList<>();
        List<Integer> versions = store.versions(name);
        for (int i = versions.size() - 1; i >= 0; i--) {
            int v = versions.get(i);
            try {
                if (store.manifest(name, v).status() == VersionStatus.REJECTED) {
                    continue;
                }
            } catch (RuntimeException e) {
                // an unreadable manifest is the loader's to report, with the version it belongs to
            }
            out.add(v);
        }
        return out;
    }

    @Override
    public Path verified(String name, int version) {
        store.verify(name, version);
        return store.resolve(name, version);
    }

    @Override
    public Optional<JsonNode> report(String name, int version) {
        Path file = store.resolve(name, version).resolve(REPORT);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.mapper().readTree(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable " + file, e);
        }
    }
}
