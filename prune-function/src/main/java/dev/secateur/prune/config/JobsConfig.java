package dev.secateur.prune.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How the prune service runs its jobs (application.properties documents every key). */
@ConfigMapping(prefix = "secateur.jobs")
public interface JobsConfig {
    /** Jobs run at once: one per GPU. */
    @WithDefault("1")
    int workers();

    /** Jobs accepted (queued + running) before the Kafka consumer waits and readiness goes down. */
    @WithDefault("4")
    int maxPending();

    /** The least time between two progress events of one phase. */
    @WithDefault("PT2S")
    Duration progressInterval();

    /** Re-run jobs a previous process left queued or running, before taking new requests. */
    @WithDefault("true")
    boolean resumeOnStart();
}
