package dev.secateur.prune.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** How replicas sharing one store divide the jobs (see dev.secateur.prune.service.JobClaims). */
@ConfigMapping(prefix = "secateur.replicas")
public interface ReplicaConfig {

    /** This replica's name in claims; default host name plus a per-process suffix. */
    Optional<String> id();

    /** A claim not renewed for this long is taken over by another replica. */
    @WithDefault("PT60S")
    Duration lease();

    @WithDefault("PT15S")
    Duration heartbeat();
}
