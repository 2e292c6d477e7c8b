package dev.secateur.prune.config;

import io.smallrye.config.ConfigMapping;

import java.nio.file.Path;
import java.util.List;

/**
 * Folders request-named files may come from (application.properties sets the defaults: the store and ./data
 * of the working folder). Two mappings, one per prefix, because the keys are {@code secateur.data.roots} and
 * {@code secateur.sources.roots}.
 */
public final class InputRoots {

    private InputRoots() {
    }

    /** Calibration and eval text files. */
    @ConfigMapping(prefix = "secateur.data")
    public interface Data {
        List<Path> roots();
    }

    /** Checkpoint folders named by {@code source.path}. */
    @ConfigMapping(prefix = "secateur.sources")
    public interface Sources {
        List<Path> roots();
    }
}
