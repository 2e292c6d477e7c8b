package dev.secateur.serve.engine;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What the decode schedulers of every loaded version are doing, for the metrics endpoint and tests. */
public final class DecodeStats {
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong stepRows = new AtomicLong();
    private final AtomicLong stepNanos = new AtomicLong();
    private final AtomicLong regroups = new AtomicLong();
    private final AtomicLong regroupNanos = new AtomicLong();
    private final AtomicLong prefillNanos = new AtomicLong();

    /** Sequences submitted and not yet prefilled. */
    public int waiting() {
        return waiting.get();
    }

    /** Sequences prefilled and still generating (rows of a batch, or about to join one). */
    public int running() {
        return running.get();
    }

    /** Decode steps run. */
    public long steps() {
        return steps.get();
    }

    /** Rows over all decode steps: divided by {@link #steps()}, the mean batch size. */
    public long stepRows() {
        return stepRows.get();
    }

    /** Seconds spent in decode steps (session runs and picking). */
    public double stepSeconds() {
        return stepNanos.get() / 1e9;
    }

    /** Times rows joined or left the batch (each copies the caches it keeps). */
    public long regroups() {
        return regroups.get();
    }

    public double regroupSeconds() {
        return regroupNanos.get() / 1e9;
    }

    public double prefillSeconds() {
        return prefillNanos.get() / 1e9;
    }

    void waiting(int delta) {
        waiting.addAndGet(delta);
    }

    void running(int delta) {
        running.addAndGet(delta);
    }

    void step(int rows, long nanos) {
        steps.incrementAndGet();
        stepRows.addAndGet(rows);
        stepNanos.addAndGet(nanos);
    }

    void regrouped(long nanos) {
        regroups.incrementAndGet();
        regroupNanos.addAndGet(nanos);
    }

    void prefilled(long nanos) {
        prefillNanos.addAndGet(nanos);
    }
}
