package dev.secateur.prune.service;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A fresh, empty model store for each application start, so reruns never see an earlier run's journal.
 * Subclasses seed it with what a previous process would have left behind.
 */
public class TestStoreResource implements QuarkusTestResourceLifecycleManager {

    private static volatile Path root;

    public static Path root() {
        return root;
    }

    @Override
    public Map<String, String> start() {
        try {
            Path base = Files.createDirectories(Path.of("target/test-stores"));
            root = Files.createTempDirectory(base, "store").toAbsolutePath();
            seed(root);
            return Map.of("secateur.store.root", root.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected void seed(Path storeRoot) throws IOException {
    }

    @Override
    public void stop() {
    }
}
