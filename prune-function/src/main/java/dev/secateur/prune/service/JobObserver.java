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

    /** @param reason the request field to blame, or the error's type: few distinct values */
    default void failed(String reason) {
    }

    default void phaseEnded(String phase, Duration took) {
    }
}
