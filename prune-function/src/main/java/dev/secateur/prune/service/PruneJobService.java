package dev.secateur.prune.service;

import dev.secateur.events.CloudEvent;
import dev.secateur.events.EventTypes;
import dev.secateur.events.InvalidEventException;
import dev.secateur.events.PruneProgress;
import dev.secateur.events.PruneRequest;
import dev.secateur.events.RequestValidationException;
import dev.secateur.prune.inputs.SourceResolver;
import dev.secateur.prune.job.PruneJobRunner;
import dev.secateur.store.ModelStore;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
 *
 * <p>This class only coordinates (intake, queue, claims, outcome retries, shutdown): {@link AttemptRunner} runs one
 * attempt (inputs through {@link SourceResolver}, the store through {@link VersionPublisher}), {@link OutcomePublisher}
 * builds and sends the events, and {@link ActiveJobs} holds the jobs this replica has taken.
 */
public final class PruneJobService implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PruneJobService.class);

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

    /** Queued and running jobs of this replica, and how many it takes before intake waits. */
    public record Load(int workers, int running, int queued, int maxPending) {
        public boolean saturated() {
            return running + queued >= maxPending;
        }
    }

    private final ModelStore store;
    private final JobJournal journal;
    private final JobClaims claims;
    private final SourceResolver inputs;
    private final AttemptRunner attempts;
    private final OutcomePublisher outcomes;
    private final JobObserver observer;
    private final Settings settings;
    private final ExecutorService workers;
    private final ScheduledExecutorService housekeeping;
    /** Also the lock that makes each intake decision (journal, claim, tracking) atomic. */
    private final ActiveJobs active;
    private volatile boolean closed;

    public PruneJobService(ModelStore store, PruneJobRunner runner, EventPublisher events, Settings settings) {
        this(store, runner, events, settings, JobObserver.NONE);
    }

    public PruneJobService(ModelStore store, PruneJobRunner runner, EventPublisher events, Settings settings,
                           JobObserver observer) {
        this.store = store;
        this.journal = new JobJournal(store.root());
        this.claims = new JobClaims(store.root(), settings.claims(), Clock.systemUTC());
        this.inputs = new SourceResolver(store, settings.sourceRoots(), settings.dataRoots(), Path.of(""));
        this.attempts = new AttemptRunner(store, inputs, runner, claims, settings.device());
        this.outcomes = new OutcomePublisher(events, settings.eventSource());
        this.observer = observer;
        this.settings = settings;
        this.active = new ActiveJobs(settings.workers(), settings.maxPending());
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(settings.workers(), r -> daemon(r, "prune-worker-" + n.incrementAndGet()));
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "prune-events"));
        long beat = settings.claims().heartbeat().toMillis();
        housekeeping.scheduleWithFixedDelay(this::renewClaims, beat, beat, TimeUnit.MILLISECONDS);
        long lease = settings.claims().lease().toMillis();
        housekeeping.scheduleWithFixedDelay(this::adoptOrphans, lease, lease, TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
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
        synchronized (active) {
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
                return new Submission(jobId, true, resume(previous.get(), claim.get()).done);
            }
            PruneRequest request;
            try {
                request = in.request(settings.defaults());
                inputs.check(request);
            } catch (RequestValidationException e) {
                LOG.infof("request %s rejected: %s", ev.id(), e.getMessage());
                JobRecord rec = outcomes.invalid(JobRecord.queued(jobId, ev.id(), ev.source(), null, null), e);
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
        return active.whenAccepting();
    }

    /**
     * Re-runs what a previous process (or a replica that stopped renewing its claims) left unfinished, and
     * re-sends outcomes it recorded but did not publish. Jobs another live replica holds are left to it.
     */
    public int recover() {
        int resumed = 0;
        synchronized (active) {
            requireOpen();
            for (JobRecord listed : journal.list()) {
                if (active.contains(listed.jobId()) || (listed.state().terminal() && listed.outcomePublished())) {
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
                if (rec.state().terminal()) {
                    LOG.infof("re-publishing the %s outcome of job %s", rec.state(), rec.jobId());
                } else {
                    LOG.infof("resuming job %s (was %s, %d attempt(s))", rec.jobId(), rec.state(), rec.attempts());
                }
                resume(rec, claim.get());
                resumed++;
            }
        }
        return resumed;
    }

    /** A journalled job just claimed here: its recorded outcome is sent again, an unfinished one runs again. */
    private LiveJob resume(JobRecord rec, JobClaims.Claim claim) {
        LiveJob job = track(rec, claim);
        if (rec.state().terminal()) {
            publishOutcome(job, 0);
        } else {
            enqueue(job);
        }
        return job;
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
        for (LiveJob live : active.all()) {
            byId.put(live.jobId, live.record);
        }
        return byId.values().stream()
                .sorted(Comparator.comparing(JobRecord::received, Comparator.nullsLast(Comparator.reverseOrder())))
                .limit(Math.max(0, limit)).toList();
    }

    public Load load() {
        return active.load();
    }

    // ---------------------------------------------------------------- claims

    private void renewClaims() {
        for (LiveJob job : active.all()) {
            job.renewClaim(claims);
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

    // ---------------------------------------------------------------- running

    private LiveJob track(JobRecord rec, JobClaims.Claim claim) {
        LiveJob job = new LiveJob(rec, claim);
        active.add(job);
        observe(rec);
        return job;
    }

    private void enqueue(LiveJob job) {
        workers.execute(() -> run(job));
    }

    private void run(LiveJob job) {
        if (closed) {
            return; // left queued in the journal: the next process resumes it
        }
        save(job, job.record.running(), true);
        JobRecord finished;
        try {
            PruneRequest request = PruneRequest.parse(job.record.request()).validate();
            outcomes.started(job.record, request.outputModel());
            finished = execute(job, request);
        } catch (LiveJob.ClaimLostException e) {
            LOG.infof("%s; it publishes nothing here", e.getMessage());
            finish(job);
            return;
        } catch (RequestValidationException e) {
            LOG.infof("job %s: invalid request: %s", job.jobId, e.getMessage());
            finished = outcomes.invalid(job.record, e);
        } catch (Throwable e) {
            if (closed && (e instanceof InterruptedException || Thread.currentThread().isInterrupted())) {
                LOG.infof("job %s interrupted by shutdown; it resumes after restart", job.jobId);
                return;
            }
            LOG.errorf(e, "job %s failed", job.jobId);
            finished = outcomes.crashed(job.record, e);
        }
        if (!job.holdsClaim(claims)) {
            LOG.infof("job %s was taken over by another replica before its outcome was recorded", job.jobId);
            finish(job);
            return;
        }
        save(job, finished, true);
        publishOutcome(job, 0);
    }

    private JobRecord execute(LiveJob job, PruneRequest request) throws Exception {
        ProgressThrottle progress = progressOf(job);
        AttemptRunner.Result stored = attempts.run(job, request, progress);
        progress.endPhase();
        return outcomes.stored(job.record, stored.version(), stored.summary());
    }

    /** Progress into the job's record and journal, and throttled progress events. */
    private ProgressThrottle progressOf(LiveJob job) {
        return new ProgressThrottle(job.jobId, settings.progressInterval(), new ProgressThrottle.Sink() {
            @Override
            public void record(String phase, int percent, String message, boolean durable) {
                save(job, job.record.progress(phase, percent, message), durable);
            }

            @Override
            public void event(PruneProgress progress) {
                outcomes.progress(progress);
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

    /** Sends the recorded outcome, retrying with backoff until the broker takes it or the service closes. */
    private void publishOutcome(LiveJob job, int attempt) {
        outcomes.send(job.record).whenCompleteAsync((v, e) -> {
            if (e == null) {
                save(job, job.record.published(), true);
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
        active.remove(job);
        if (!job.lost) {
            job.releaseClaim(claims);
        }
        job.done.complete(job.record);
    }

    private void observe(JobRecord rec) {
        observer.entered(rec.state());
        if (rec.state() == JobState.FAILED) {
            observer.failed(rec);
        }
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
        active.all().forEach(job -> job.releaseClaim(claims));
        active.refuseWaiters();
    }
}
