package dev.secateur.prune.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceConfigTest {

    private static SmallRyeConfig read(Map<String, String> properties) {
        return new SmallRyeConfigBuilder()
                .withMapping(ServiceConfig.Store.class).withMapping(ServiceConfig.Device.class).withMapping(ServiceConfig.Events.class)
                .withSources(new PropertiesConfigSource(properties, "test", 100)).build();
    }

    @Test
    void deviceAndEventSourceKeepTheirDefaults() {
        SmallRyeConfig c = read(Map.of("secateur.store.root", "store"));
        assertEquals(Path.of("store"), c.getConfigMapping(ServiceConfig.Store.class).root());
        assertEquals("auto", c.getConfigMapping(ServiceConfig.Device.class).name());
        assertEquals("/secateur/prune-function", c.getConfigMapping(ServiceConfig.Events.class).source());
    }

    @Test
    void readsTheKeysUnderTheirOwnNames() {
        SmallRyeConfig c = read(Map.of("secateur.store.root", "/models", "secateur.device", "cpu",
                "secateur.events.source", "/team/pruner"));
        assertEquals(Path.of("/models"), c.getConfigMapping(ServiceConfig.Store.class).root());
        assertEquals("cpu", c.getConfigMapping(ServiceConfig.Device.class).name());
        assertEquals("/team/pruner", c.getConfigMapping(ServiceConfig.Events.class).source());
    }

    @Test
    void theStoreRootIsRequired() {
        ConfigValidationException e = assertThrows(ConfigValidationException.class, () -> read(Map.of()));
        assertTrue(e.getMessage().contains("secateur.store.root is required"), e.getMessage());
    }

    /** Why there is no mapping of the prefix secateur itself: a key outside these three is none of their business. */
    @Test
    void otherSecateurKeysAreLeftToTheirOwnMappings() {
        SmallRyeConfig c = read(Map.of("secateur.store.root", "store", "secateur.bench", "true", "secateur.jobs.workers", "2"));
        assertEquals("auto", c.getConfigMapping(ServiceConfig.Device.class).name());
    }
}
