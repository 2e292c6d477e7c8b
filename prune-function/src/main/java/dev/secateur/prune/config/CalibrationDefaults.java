package dev.secateur.prune.config;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/** What a prune request that names no calibration text, sample count or window length gets. */
@ConfigMapping(prefix = "secateur.calibration")
public interface CalibrationDefaults {
    Optional<String> text();

    Optional<Integer> samples();

    Optional<Integer> seqLen();
}
