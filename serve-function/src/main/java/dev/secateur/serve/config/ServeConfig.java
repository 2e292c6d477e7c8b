package dev.secateur.serve.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** {@code secateur.serve.*} in application.properties. */
@ConfigMapping(prefix = "secateur.serve")
public interface ServeConfig {

    /** Root of the model store (<root>/<name>/<version>/...). */
    String storeRoot();

    /** The model name this instance serves. */
    String model();

    /** ONNX Runtime intra-op threads; 0 = runtime default. */
    @WithDefault("0")
    int intraOpThreads();

    /**
     * Let ONNX Runtime's intra-op threads spin between runs. Off by default: measured on a shared 2-core machine, a
     * batch-1 decode loop ran 2.2× faster without spinning, and under a CPU limit spinning spends the quota.
     */
    @WithDefault("false")
    boolean spinWait();

    /** Graph optimisation level: none, basic, extended, all. */
    @WithDefault("all")
    String optimization();

    /** Try the CUDA execution provider first (falls back to CPU when it does not load). */
    @WithDefault("true")
    boolean cuda();

    /** Largest max_tokens a request may ask for. */
    @WithDefault("512")
    int maxTokensCap();

    /** Largest n (choices per prompt) a request may ask for. */
    @WithDefault("8")
    int maxN();

    /** Most texts one /v1/embeddings request may send. */
    @WithDefault("64")
    int maxEmbeddingInputs();

    /** Requests (completions, chat, embeddings) served at once; one more is answered 429. */
    @WithDefault("16")
    int maxConcurrentRequests();

    /** Continuous batching of decode steps. */
    Batching batching();

    interface Batching {
        /** Decode the concurrent requests of a version in one run per step; off, each request runs its own loop. */
        @WithDefault("true")
        boolean enabled();

        /** Most sequences decoding together (rows of one run); the others wait for a row in arrival order. */
        @WithDefault("16")
        int maxBatch();

        /** Most prompt tokens prefilled between two decode steps while other sequences are decoding. */
        @WithDefault("128")
        int prefillChunk();
    }

    /** Bearer token for /admin; when unset the admin endpoints always answer 401. */
    Optional<String> adminToken();

    /** How often the store is scanned for a newer version; 0 turns scanning off. */
    @WithDefault("30s")
    Duration scanInterval();
}
