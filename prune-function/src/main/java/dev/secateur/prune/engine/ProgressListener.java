package dev.secateur.prune.engine;

/** Progress of a pruning run (adapters turn it into log lines or prune.progress events). */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (stage, fraction, message) -> {
    };

    /** @param fraction of the stage done, in [0, 1] */
    void progress(String stage, double fraction, String message);
}
