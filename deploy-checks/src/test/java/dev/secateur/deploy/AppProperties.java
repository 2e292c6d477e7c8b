package dev.secateur.deploy;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/** The configuration keys a function declares in its application.properties, and Quarkus's env-var mapping. */
final class AppProperties {
    private AppProperties() {
    }

    static Set<String> keys(String module) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(Manifests.ROOT.resolve(module).resolve("src/main/resources/application.properties"))) {
            p.load(r);
        }
        // Profile-specific keys (%prod.x) configure the same property x.
        return p.stringPropertyNames().stream().map(k -> k.startsWith("%") ? k.substring(k.indexOf('.') + 1) : k)
                .collect(Collectors.toSet());
    }

    /** MicroProfile Config's environment variable name for a property: non-alphanumerics to '_', upper case. */
    static String envName(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }
}
