package dev.secateur.prune.service;

import java.time.Duration;

/** What the job core reports as it goes, for metrics; called on the core's threads, so keep it cheap. */
public interface JobObserver {

    JobObserver NONE = new JobObserver() {
    };

    /** A job entered {@code state} (queued at intake, running on a worker, or an outcome). */
    default void entered(JobState state) {
    }

    /** A request that another job (here or on another replica) already covers. */
    default void duplicate() {
    }

    /** A job recorded as failed; its outcome names the request field to blame, or the error. */
    default void failed(JobRecord job) {
    }

    default void phaseEnded(String phase, Duration took) {
    }
}
