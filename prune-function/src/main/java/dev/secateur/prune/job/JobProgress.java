package dev.secateur.prune.job;

/**
 * What an engine reports while it works. Calls may be frequent: the job core rate-limits the events it
 * publishes, so engines can report every layer without flooding the events topic.
 */
@FunctionalInterface
public interface JobProgress {

    JobProgress NONE = (phase, percent, message) -> { };

    /**
     * @param phase   a short machine-readable step name (load, calibrate, plan, apply, evaluate, export, ...)
     * @param percent overall progress of the job, 0..100
     * @param message optional human-readable detail, may be null
     */
    void report(String phase, double percent, String message);
}
