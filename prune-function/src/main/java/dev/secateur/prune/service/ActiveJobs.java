package dev.secateur.prune.service;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jobs this replica holds (queued, running, or an outcome waiting for the broker) and the intake waiting for
 * room among them. The coordinator synchronizes on this object to make intake decisions atomic with it.
 */
final class ActiveJobs {

    private final Map<String, LiveJob> jobs = new ConcurrentHashMap<>();
    private final Queue<CompletableFuture<Void>> waiters = new ArrayDeque<>();
    private final int workers;
    private final int maxPending;

    ActiveJobs(int workers, int maxPending) {
        this.workers = workers;
        this.maxPending = maxPending;
    }

    LiveJob get(String jobId) {
        return jobs.get(jobId);
    }

    boolean contains(String jobId) {
        return jobs.containsKey(jobId);
    }

    void add(LiveJob job) {
        jobs.put(job.jobId, job);
    }

    /** The job leaves; one intake waiting for room may go on. */
    void remove(LiveJob job) {
        CompletableFuture<Void> waiter;
        synchronized (this) {
            jobs.remove(job.jobId);
            waiter = waiters.poll();
        }
        if (waiter != null) {
            waiter.complete(null);
        }
    }

    Collection<LiveJob> all() {
        return jobs.values();
    }

    /** Completes once fewer than {@code maxPending} jobs are held. */
    synchronized CompletionStage<Void> whenAccepting() {
        if (jobs.size() < maxPending) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> waiter = new CompletableFuture<>();
        waiters.add(waiter);
        return waiter;
    }

    PruneJobService.Load load() {
        int running = 0;
        int queued = 0;
        for (LiveJob job : jobs.values()) {
            switch (job.record.state()) {
                case RUNNING -> running++;
                case QUEUED -> queued++;
                default -> { } // an outcome waiting for the broker holds no worker
            }
        }
        return new PruneJobService.Load(workers, running, queued, maxPending);
    }

    /** Intake still waiting for room will get none. */
    void refuseWaiters() {
        List<CompletableFuture<Void>> refused;
        synchronized (this) {
            refused = new ArrayList<>(waiters);
            waiters.clear();
        }
        refused.forEach(w -> w.completeExceptionally(new IllegalStateException("prune service closed")));
    }
}
