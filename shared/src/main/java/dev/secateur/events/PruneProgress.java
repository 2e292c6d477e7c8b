package dev.secateur.events;

/**
 * @param phase   e.g. load, calibrate, score, apply, evaluate, export, publish (keys of {@link BeforeAfter#timings})
 * @param percent 0..100 over the whole job, for a progress bar, not a promise about remaining time
 */
public record PruneProgress(String jobId, String phase, int percent, String message) {
}
