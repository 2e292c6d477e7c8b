package dev.secateur.prune.service;

import dev.secateur.events.BeforeAfter;
import dev.secateur.events.CloudEvent;
import dev.secateur.events.EventTypes;
import dev.secateur.events.InvalidEventException;
import dev.secateur.events.PruneCompleted;
import dev.secateur.events.PruneFailed;
import dev.secateur.events.PruneProgress;
import dev.secateur.events.PruneRejected;
import dev.secateur.events.PruneRequest;
import dev.secateur.events.PruneStarted;
import dev.secateur.events.RequestValidationException;
import dev.secateur.json.Json;
import dev.secateur.prune.inputs.JobInputs;
import dev.secateur.prune.inputs.PathSandbox;
import dev.secateur.store.ModelStore;
import dev.secateur.store.StoredVersion;
import dev.secateur.store.VersionStatus;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

/**
 * The prune service without any transport: requests in, a versioned model and events out. Kafka and
 * HTTP adapters are thin wrappers; tests and the CLI can drive it directly.
 *
 * <p>Delivery guarantees (at-least-once in, effectively-once out):
 * <ul>
 *   <li>every request gets a journal entry ({@link JobJournal}) before anything else happens;</li>
 *   <li>a job's outcome is recorded in the journal, then published; {@link Submission#done()} completes only
 *       once the broker has the outcome event, and adapters acknowledge the request (commit the offset)
 *       only then;</li>
 *   <li>a request seen again (Kafka redelivery, KafkaSource retry, the same event over HTTP) joins the running
 *       job, or, when its outcome was published already, publishes nothing; an outcome recorded but not yet
 *       published is published again;</li>
 *   <li>publishing to the store is keyed by job id: a re-run after a crash first looks for a version whose
 *       manifest names the job, so a crash between publishing and recording yields one version, not two;</li>
 *   <li>{@link #recover()} re-runs jobs a previous process left queued or running;</li>
 *   <li>replicas sharing the store run a job at most once: a job is claimed in the store ({@link JobClaims})
 *       before anything is journalled, the claim is renewed while the job lives, and a request whose job another
 *       replica holds is answered as a duplicate; a claim whose lease ran out is adopted by the next sweep.</li>
 * </ul>
 * Jobs run on a fixed pool of workers (1 by default: one GPU, one job), never on the caller's thread.
 */
public final class PruneJobService implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PruneJobService.class);
    static final String WORK_DIR = ".work";
    static final String META_JOB_ID = JobVersions.META_JOB_ID;

    /**
     * @param workers          jobs run at once
     * @param maxPending       jobs accepted (queued + running) before {@link #whenAccepting()} makes Kafka wait
     * @param device           passed to the engine: auto, cpu or gpu
     * @param eventSource      the CloudEvents source attribute of the events this service emits
     * @param sourceRoots      folders a request's {@code source.path} must lie under; empty allows none
     * @param dataRoots        folders a request's calibration and eval files must lie under; empty allows none
     *                         (stored datasets are always allowed); relative names start at the working folder
     * @param progressInterval the least time between two progress events of one phase
     * @param claims           this replica's identity and lease in the store's job claims
     */
    public record Settings(int workers, int maxPending, String device, String eventSource, List<Path> sourceRoots,
                           List<Path> dataRoots, RequestDefaults defaults, Duration progressInterval,
                           JobClaims.Settings claims) {

        public Settings {
            if (workers < 1) {
                throw new IllegalArgumentException("workers must be >= 1, was " + workers);
            }
            maxPending = Math.max(maxPending, workers);
            sourceRoots = sourceRoots == null ? List.of() : List.copyOf(sourceRoots);
            dataRoots = dataRoots == null ? List.of() : List.copyOf(dataRoots);
            defaults = defaults == null ? RequestDefaults.NONE : defaults;
            progressInterval = progressInterval == null ? Duration.ofSeconds(2) : progressInterval;
            claims = claims == null ? JobClaims.Settings.defaults() : claims;
        }
    }

    /**
     * @param duplicate true when the request was seen before (its job is running, or already finished)
     * @param done      completes with the final journal record once the outcome event is published
     */
    public record Submission(String jobId, boolean duplicate, CompletionStage<JobRecord> done) {
    }

    private static final class LiveJob {
        final String jobId;
        final CompletableFuture<JobRecord> done = new CompletableFuture<>();
        final JobClaims.Claim claim;
        volatile JobRecord record;
        volatile boolean lost;

        LiveJob(JobRecord record, JobClaims.Claim claim) {
            this.jobId = record.jobId();
            this.record = record;
            this.claim = claim;
        }
    }

    private final ModelStore store;
    private final JobVersions versions;
    private final JobJournal journal;
    private final JobClaims claims;
    private final JobInputs inputs;
    private final JobObserver observer;
    private final PruneJobRunner runner;
    private final EventPublisher events;
    private final Settings settings;
    private final ExecutorService workers;
    private final ScheduledExecutorService housekeeping;
    private final Object lock = new Object();
    private final Map<String, LiveJob> active = new ConcurrentHashMap<>();
    private final Queue<CompletableFuture<Void>> capacityWaiters = new ArrayDeque<>();
    private volatile boolean closed;

    public PruneJobService(ModelStore store, PruneJobRunner runner, EventPublisher events, Settings settings) {
        this(store, runner, events, settings, JobObserver.NONE);
    }

    public PruneJobService(ModelStore store, PruneJobRunner runner, EventPublisher events, Settings settings,
                           JobObserver observer) {
        this.store = store;
        this.versions = new JobVersions(store);
        this.journal = new JobJournal(store.root());
        this.claims = new JobClaims(store.root(), settings.claims(), Clock.systemUTC());
        Path cwd = Path.of("");
        this.inputs = new JobInputs(store, new PathSandbox(settings.sourceRoots(), cwd), new PathSandbox(settings.dataRoots(), cwd));
        this.observer = observer;
        this.runner = runner;
        this.events = events;
        this.settings = settings;
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(settings.workers(), r -> {
            Thread t = new Thread(r, "prune-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "prune-events");
            t.setDaemon(true);
            return t;
        });
        long beat = settings.claims().heartbeat().toMillis();
        housekeeping.scheduleWithFixedDelay(this::renewClaims, beat, beat, TimeUnit.MILLISECONDS);
        long lease = settings.claims().lease().toMillis();
        housekeeping.scheduleWithFixedDelay(this::adoptOrphans, lease, lease, TimeUnit.MILLISECONDS);
    }

    public ModelStore store() {
        return store;
    }

    public JobJournal journal() {
        return journal;
    }

    // ---------------------------------------------------------------- intake

    /**
     * Accepts a request event. Returns at once; the job runs on a worker.
     *
     * @throws InvalidEventException when the event is not a prune request at all (wrong type): there is no
     *                               job to report on, so adapters dead-letter it or answer 400
     */
    public Submission submit(IncomingRequest in) {
        CloudEvent ev = in.envelope();
        if (!EventTypes.PRUNE_REQUESTED.equals(ev.type())) {
            throw new InvalidEventException("event type '" + ev.type() + "' is not " + EventTypes.PRUNE_REQUESTED);
        }
        String jobId = JobIds.of(ev.source(), ev.id());
        synchronized (lock) {
            requireOpen();
            LiveJob live = active.get(jobId);
            if (live != null) {
                LOG.infof("request %s (job %s) is already in progress; joining it", ev.id(), jobId);
                observer.duplicate();
                return new Submission(jobId, true, live.done);
            }
            Optional<JobRecord> previous = journal.read(jobId);
            if (previous.isPresent() && previous.get().state().terminal() && previous.get().outcomePublished()) {
                LOG.infof("request %s (job %s) already finished as %s; nothing to do", ev.id(), jobId, previous.get().state());
                observer.duplicate();
                return new Submission(jobId, true, CompletableFuture.completedFuture(previous.get()));
            }
            Optional<JobClaims.Claim> claim = claims.tryAcquire(jobId);
            if (claim.isEmpty()) {
                LOG.infof("request %s (job %s) is claimed by replica %s; not running it here", ev.id(), jobId,
                        claims.holder(jobId).orElse("(just finished)"));
                observer.duplicate();
                return new Submission(jobId, true, CompletableFuture.completedFuture(journal.read(jobId).orElse(null)));
            }
            previous = journal.read(jobId); // what the previous holder left, now that nobody else writes it
            if (previous.isPresent()) {
                JobRecord rec = previous.get();
                LiveJob job = track(rec, claim.get());
                if (rec.state().terminal()) {
                    publishOutcome(job, 0);
                } else {
                    enqueue(job);
                }
                return new Submission(jobId, true, job.done);
            }
            PruneRequest request;
            try {
                request = in.request(settings.defaults());
                inputs.check(request);
            } catch (RequestValidationException e) {
                LOG.infof("request %s rejected: %s", ev.id(), e.getMessage());
                JobRecord rec = JobRecord.queued(jobId, ev.id(), ev.source(), null, null)
                        .finished(JobState.FAILED, EventTypes.PRUNE_FAILED, Json.toTree(PruneFailed.of(jobId, ev.id(), e)),
                                e.getMessage());
                journal.write(rec);
                LiveJob job = track(rec, claim.get());
                publishOutcome(job, 0);
                return new Submission(jobId, false, job.done);
            }
            JobRecord rec = JobRecord.queued(jobId, ev.id(), ev.source(), request.outputModel(), request.toJson());
            journal.write(rec);
            LiveJob job = track(rec, claim.get());
            enqueue(job);
            return new Submission(jobId, false, job.done);
        }
    }

    /**
     * Completes when fewer than {@code maxPending} jobs are in the service. The Kafka adapter waits on it
     * before taking the next record, so records beyond that stay in the broker (the connector pauses the
     * partition while its buffer is full, and keeps polling, so the consumer never misses max.poll.interval.ms).
     */
    public CompletionStage<Void> whenAccepting() {
        synchronized (lock) {
            if (active.size() < settings.maxPending()) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> waiter = new CompletableFuture<>();
            capacityWaiters.add(waiter);
            return waiter;
        }
    }

    /**
     * Re-runs what a previous process (or a replica that stopped renewing its claims) left unfinished, and
     * re-sends outcomes it recorded but did not publish. Jobs another live replica holds are left to it.
     */
    public int recover() {
        int resumed = 0;
        synchronized (lock) {
            requireOpen();
            for (JobRecord listed : journal.list()) {
                if (active.containsKey(listed.jobId()) || (listed.state().terminal() && listed.outcomePublished())) {
                    continue;
                }
                Optional<JobClaims.Claim> claim = claims.tryAcquire(listed.jobId());
                if (claim.isEmpty()) {
                    continue;
                }
                JobRecord rec = journal.read(listed.jobId()).orElse(listed);
                if (rec.state().terminal() && rec.outcomePublished()) {
                    claims.release(claim.get()); // finished by its holder between the listing and our claim
                    continue;
                }
                LiveJob job = track(rec, claim.get());
                if (rec.state().terminal()) {
                    LOG.infof("re-publishing the %s outcome of job %s", rec.state(), rec.jobId());
                    publishOutcome(job, 0);
                } else {
                    LOG.infof("resuming job %s (was %s, %d attempt(s))", rec.jobId(), rec.state(), rec.attempts());
                    enqueue(job);
                }
                resumed++;
            }
        }
        return resumed;
    }

    // ---------------------------------------------------------------- status

    public Optional<JobRecord> job(String jobId) {
        LiveJob live = active.get(jobId);
        if (live != null) {
            return Optional.of(live.record);
        }
        return JobJournal.validJobId(jobId) ? journal.read(jobId) : Optional.empty();
    }

    /** Newest first; live jobs show their latest in-memory progress. */
    public List<JobRecord> recent(int limit) {
        Map<String, JobRecord> byId = new LinkedHashMap<>();
        for (JobRecord r : journal.list()) {
            byId.put(r.jobId(), r);
        }
        for (LiveJob live : active.values()) {
            byId.put(live.jobId, live.record);
        }
        return byId.values().stream()
                .sorted(Comparator.comparing(JobRecord::received, Comparator.nullsLast(Comparator.reverseOrder())))
                .limit(Math.max(0, limit)).toList();
    }

    // ---------------------------------------------------------------- running

    private LiveJob track(JobRecord rec, JobClaims.Claim claim) {
        LiveJob job = new LiveJob(rec, claim);
        active.put(rec.jobId(), job);
        observe(rec);
        return job;
    }

    /** Queued and running jobs of this replica, and how many it takes before intake waits. */
    public record Load(int workers, int running, int queued, int maxPending) {
        public boolean saturated() {
            return running + queued >= maxPending;
        }
    }

    public Load load() {
        int running = 0;
        int queued = 0;
        for (LiveJob job : active.values()) {
            switch (job.record.state()) {
                case RUNNING -> running++;
                case QUEUED -> queued++;
                default -> { } // an outcome waiting for the broker holds no worker
            }
        }
        return new Load(settings.workers(), running, queued, settings.maxPending());
    }

    /** Heartbeat: a claim that cannot be renewed was taken over, and its job must publish nothing. */
    private void renewClaims() {
        for (LiveJob job : active.values()) {
            try {
                if (!job.lost && !claims.renew(job.claim)) {
                    job.lost = true;
                    LOG.warnf("job %s: claim taken over by replica %s; abandoning it here", job.jobId,
                            claims.holder(job.jobId).orElse("?"));
                }
            } catch (RuntimeException e) {
                LOG.warnf("job %s: could not renew its claim: %s", job.jobId, e.getMessage());
            }
        }
    }

    /** Jobs whose replica died mid-way: nobody redelivers their request, so the sweep adopts them. */
    private void adoptOrphans() {
        try {
            if (!closed) {
                int n = recover();
                if (n > 0) {
                    LOG.infof("adopted %d job(s) whose claim had expired", n);
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("sweep for expired job claims failed: %s", e.getMessage());
        }
    }

    /** Thrown inside a job that another replica took over: it ends here without an outcome. */
    private static final class ClaimLostException extends RuntimeException {
        ClaimLostException(String jobId) {
            super("job " + jobId + " was taken over by another replica", null, false, false);
        }
    }

    private void requireClaim(LiveJob job) {
        if (job.lost || !claims.holds(job.claim)) {
            job.lost = true;
            throw new ClaimLostException(job.jobId);
        }
    }

    private void enqueue(LiveJob job) {
        workers.execute(() -> run(job));
    }

    private void run(LiveJob job) {
        if (closed) {
            return; // left queued in the journal: the next process resumes it
        }
        JobRecord rec = job.record.running();
        save(job, rec, true);
        String requestId = rec.requestId();
        JobRecord finished;
        try {
            PruneRequest request = PruneRequest.parse(rec.request()).validate();
            emit(EventTypes.PRUNE_STARTED, job.jobId, new PruneStarted(job.jobId, requestId, request.outputModel()));
            finished = execute(job, request);
        } catch (ClaimLostException e) {
            LOG.infof("%s; it publishes nothing here", e.getMessage());
            finish(job);
            return;
        } catch (RequestValidationException e) {
            LOG.infof("job %s: invalid request: %s", job.jobId, e.getMessage());
            finished = job.record.finished(JobState.FAILED, EventTypes.PRUNE_FAILED,
                    Json.toTree(PruneFailed.of(job.jobId, requestId, e)), e.getMessage());
        } catch (Throwable e) {
            if (closed && (e instanceof InterruptedException || Thread.currentThread().isInterrupted())) {
                LOG.infof("job %s interrupted by shutdown; it resumes after restart", job.jobId);
                return;
            }
            LOG.errorf(e, "job %s failed", job.jobId);
            String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
            finished = job.record.finished(JobState.FAILED, EventTypes.PRUNE_FAILED,
                    Json.toTree(new PruneFailed(job.jobId, requestId, reason, null)), reason);
        }
        if (job.lost || !claims.holds(job.claim)) {
            LOG.infof("job %s was taken over by another replica before its outcome was recorded", job.jobId);
            finish(job);
            return;
        }
        save(job, finished, true);
        publishOutcome(job, 0);
    }

    private JobRecord execute(LiveJob job, PruneRequest request) throws Exception {
        String jobId = job.jobId;
        JobRecord rec = job.record;
        ProgressThrottle progress = progressOf(job);
        StoredVersion version = versions.ofJob(request.outputModel(), jobId).orElse(null);
        BeforeAfter summary;
        if (version != null) {
            LOG.infof("job %s: %s v%d already holds its result (published before a restart); reusing it",
                    jobId, version.name(), version.version());
            summary = JobVersions.summaryOf(version.manifest());
        } else {
            progress.report("resolve", 1, null);
            Path source = inputs.source(request.source(), progress);
            Path calibration = inputs.text("calibration", request.calibration());
            Path eval = request.eval() == null ? null : inputs.text("eval", request.eval());
            AttemptFolder attempt = AttemptFolder.prepare(store.root(), job.claim, rec.attempts());
            Path work = attempt.dir();
            try {
                JobOutcome result = runner.prune(new PruneTask(jobId, request, source, calibration, eval, work,
                        settings.device()), progress);
                summary = result.summary();
                String rejection = QualityGate.failure(request, summary);
                progress.report("publish", 95, null);
                requireClaim(job);
                version = versions.publish(rec, request, result, runner.name(), rejection, work);
            } finally {
                attempt.cleanup();
            }
        }
        progress.endPhase();
        if (version.manifest().status() == VersionStatus.REJECTED) {
            String reason = version.manifest().metadata().getOrDefault("rejectedReason", "rejected");
            LOG.infof("job %s: %s v%d stored as rejected: %s", jobId, version.name(), version.version(), reason);
            return job.record.finished(JobState.REJECTED, EventTypes.PRUNE_REJECTED, Json.toTree(new PruneRejected(
                    jobId, rec.requestId(), version.name(), version.version(), reason, summary)), reason);
        }
        LOG.infof("job %s: published %s v%d", jobId, version.name(), version.version());
        return job.record.finished(JobState.COMPLETED, EventTypes.PRUNE_COMPLETED, Json.toTree(new PruneCompleted(
                jobId, rec.requestId(), version.name(), version.version(), version.directory().toString(),
                version.manifestSha256(), summary)), version.name() + " v" + version.version());
    }

    // ---------------------------------------------------------------- events

    /** Progress into the job's record and journal, and throttled progress events. */
    private ProgressThrottle progressOf(LiveJob job) {
        return new ProgressThrottle(job.jobId, settings.progressInterval(), new ProgressThrottle.Sink() {
            @Override
            public void record(String phase, int percent, String message, boolean durable) {
                save(job, job.record.progress(phase, percent, message), durable);
            }

            @Override
            public void event(PruneProgress progress) {
                emit(EventTypes.PRUNE_PROGRESS, job.jobId, progress);
            }

            @Override
            public void phaseEnded(String phase, Duration took) {
                observer.phaseEnded(phase, took);
            }
        });
    }

    private void save(LiveJob job, JobRecord rec, boolean durable) {
        JobState before = job.record.state();
        job.record = rec;
        if (rec.state() != before) {
            observe(rec);
        }
        if (durable) {
            journal.write(rec);
        }
    }

    /** Started and progress events: best effort, a lost one changes nothing downstream. */
    private void emit(String type, String jobId, Object data) {
        CloudEvent ev = CloudEvent.of(type, settings.eventSource(), jobId, data);
        events.publish(ev, jobId).whenComplete((v, e) -> {
            if (e != null) {
                LOG.warnf("could not publish %s for job %s: %s", type, jobId, e.getMessage());
            }
        });
    }

    /**
     * The outcome event has a deterministic id (job id + outcome), so a consumer can drop the duplicate a
     * crash between publishing and recording may cause. Retried until the broker takes it.
     */
    private void publishOutcome(LiveJob job, int attempt) {
        JobRecord rec = job.record;
        String suffix = rec.outcomeType().substring(rec.outcomeType().lastIndexOf('.') + 1);
        CloudEvent ev = new CloudEvent(rec.jobId() + "." + suffix, settings.eventSource(), rec.outcomeType(),
                CloudEvent.SPEC_VERSION, rec.updated() == null ? Instant.now() : rec.updated(), CloudEvent.JSON,
                rec.jobId(), rec.outcome());
        CompletionStage<Void> sent;
        try {
            sent = events.publish(ev, rec.jobId());
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenCompleteAsync((v, e) -> {
            if (e == null) {
                JobRecord published = job.record.published();
                save(job, published, true);
                finish(job);
            } else if (closed) {
                LOG.warnf("outcome of job %s not published before shutdown; it is re-sent after restart", job.jobId);
            } else {
                long delayMs = Math.min(60_000, 500L << Math.min(attempt, 7));
                LOG.warnf("publishing the outcome of job %s failed (%s); retrying in %d ms", job.jobId, e.getMessage(), delayMs);
                housekeeping.schedule(() -> publishOutcome(job, attempt + 1), delayMs, TimeUnit.MILLISECONDS);
            }
        }, housekeeping);
    }

    private void finish(LiveJob job) {
        CompletableFuture<Void> waiter;
        synchronized (lock) {
            active.remove(job.jobId);
            waiter = capacityWaiters.poll();
        }
        if (!job.lost) {
            releaseQuietly(job);
        }
        if (waiter != null) {
            waiter.complete(null);
        }
        job.done.complete(job.record);
    }

    // ---------------------------------------------------------------- lifecycle

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("prune service is shutting down");
        }
    }

    /** Stops taking jobs; a running job is interrupted and, being journalled as running, resumes after restart. */
    @Override
    public void close() {
        closed = true;
        workers.shutdownNow();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        housekeeping.shutdownNow();
        // Handed back so another replica resumes them now rather than after the lease.
        active.values().forEach(this::releaseQuietly);
        List<CompletableFuture<Void>> waiters;
        synchronized (lock) {
            waiters = new ArrayList<>(capacityWaiters);
            capacityWaiters.clear();
        }
        waiters.forEach(w -> w.completeExceptionally(new IllegalStateException("prune service closed")));
    }

    private void releaseQuietly(LiveJob job) {
        try {
            claims.release(job.claim);
        } catch (RuntimeException e) {
            LOG.warnf("job %s: could not release its claim (%s); it expires with its lease", job.jobId, e.getMessage());
        }
    }

    private void observe(JobRecord rec) {
        observer.entered(rec.state());
        if (rec.state() == JobState.FAILED) {
            observer.failed(rec);
        }
    }
}
