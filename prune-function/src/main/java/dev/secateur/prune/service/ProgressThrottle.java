package dev.secateur.prune.service;

import dev.secateur.events.PruneProgress;
import dev.secateur.prune.job.JobProgress;
import java.time.Duration;

/**
 * A job's progress, thinned out: every report updates the job's record (journalled when the phase changes), but a
 * progress event goes out only on a new phase, 5 percentage points on, or the interval after the last one. Phase
 * durations are timed for the metrics.
 */
final class ProgressThrottle implements JobProgress {

    /** Where the reports go. */
    interface Sink {
        /** The job's record now says this; {@code durable}: journal it too. */
        void record(String phase, int percent, String message, boolean durable);

        /** Best effort: a lost progress event changes nothing downstream. */
        void event(PruneProgress progress);

        void phaseEnded(String phase, Duration took);
    }

    private final String jobId;
    private final Duration interval;
    private final Sink sink;
    private String lastPhase;
    private int lastPercent = -100;
    private long lastEventNanos;
    private String timedPhase;
    private long phaseStartNanos;

    ProgressThrottle(String jobId, Duration interval, Sink sink) {
        this.jobId = jobId;
        this.interval = interval;
        this.sink = sink;
    }

    @Override
    public synchronized void report(String phase, double percent, String message) {
        int pct = (int) Math.max(0, Math.min(99, Math.round(percent)));
        boolean newPhase = !phase.equals(lastPhase);
        sink.record(phase, pct, message, newPhase);
        long now = System.nanoTime();
        if (!phase.equals(timedPhase)) {
            endPhase();
            timedPhase = phase;
            phaseStartNanos = now;
        }
        if (newPhase || pct - lastPercent >= 5 || now - lastEventNanos >= interval.toNanos()) {
            sink.event(new PruneProgress(jobId, phase, pct, message));
            lastPhase = phase;
            lastPercent = pct;
            lastEventNanos = now;
        }
    }

    synchronized void endPhase() {
        if (timedPhase != null) {
            sink.phaseEnded(timedPhase, Duration.ofNanos(System.nanoTime() - phaseStartNanos));
            timedPhase = null;
        }
    }
}
