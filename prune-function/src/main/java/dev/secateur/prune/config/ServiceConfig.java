package dev.secateur.prune.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;
import java.nio.file.Path;

/**
 * The prune service's keys that sit directly under {@code secateur} (application.properties documents them). One
 * mapping per key, as in {@link InputRoots}: a mapping of the prefix {@code secateur} itself would claim every
 * {@code secateur.*} name, and Quarkus refuses to start on one that no mapping knows, such as {@code -Dsecateur.bench}.
 */
public final class ServiceConfig {

    private ServiceConfig() {
    }

    /** {@code secateur.store.root}: versions, the job journal (.jobs) and the jobs' scratch folders (.work). */
    @ConfigMapping(prefix = "secateur.store")
    public interface Store {
        Path root();
    }

    /** {@code secateur.device}: auto, cpu or gpu, passed to the pruning engine. */
    @ConfigMapping(prefix = "secateur.device")
    public interface Device {
        @WithParentName
        @WithDefault("auto")
        String name();
    }

    /** {@code secateur.events.source}: the CloudEvents source attribute of the events the service emits. */
    @ConfigMapping(prefix = "secateur.events")
    public interface Events {
        @WithDefault("/secateur/prune-function")
        String source();
    }
}
