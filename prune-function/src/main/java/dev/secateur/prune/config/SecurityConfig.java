package dev.secateur.prune.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/** Who may submit and read jobs over HTTP. */
@ConfigMapping(prefix = "secateur.security")
public interface SecurityConfig {

    /** With a token set, POST / and /jobs need {@code Authorization: Bearer <token>}; unset, they are open. */
    Optional<String> apiToken();

    /**
     * Whether POST / needs the token too. A Knative KafkaSource cannot add an Authorization header, so a
     * deployment fed by one turns this off and keeps the route cluster-local instead; /jobs stays protected.
     */
    @WithDefault("true")
    boolean triggerRequiresToken();
}
