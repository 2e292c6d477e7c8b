package dev.secateur.serve.model;

import dev.secateur.serve.config.ServeConfig;
import dev.secateur.store.ModelStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.nio.file.Path;

/** Wires the plain-Java core into CDI. */
@ApplicationScoped
public class Producers {

    @Produces
    @ApplicationScoped
    VersionSource versionSource(ServeConfig config) {
        return new StoreVersionSource(new ModelStore(Path.of(config.storeRoot())));
    }
}
