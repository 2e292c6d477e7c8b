package dev.secateur.serve.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.store.ModelStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/** The shared file-system {@link ModelStore}: every load re-hashes the version against its manifest. */
public final class StoreVersionSource implements VersionSource {

    static final String REPORT = "report.json";

    private final ModelStore store;
    private final ObjectMapper mapper = new ObjectMapper();

    public StoreVersionSource(ModelStore store) {
        this.store = store;
    }

    @Override
    public OptionalInt latest(String name) {
        return store.latest(name);
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
            return Optional.of(mapper.readTree(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable " + file, e);
        }
    }
}
