package dev.secateur.prune.service;

import dev.secateur.events.BeforeAfter;
import dev.secateur.events.PruneRequest;
import dev.secateur.prune.inputs.SourceResolver;
import dev.secateur.prune.job.JobOutcome;
import dev.secateur.prune.job.PruneJobRunner;
import dev.secateur.prune.job.PruneTask;
import dev.secateur.store.ModelStore;
import dev.secateur.store.StoredVersion;

import org.jboss.logging.Logger;

/**
 * One attempt at a job, around the engine: the version an earlier attempt already published is reused; otherwise
 * the request's inputs are resolved, the engine prunes into a fresh scratch folder, and the result is published
 * behind the quality gate, provided this replica still holds the job.
 */
final class AttemptRunner {

    private static final Logger LOG = Logger.getLogger(AttemptRunner.class);

    /** The version the attempt left in the store, with the before/after figures its outcome reports. */
    record Result(StoredVersion version, BeforeAfter summary) {
    }

    private final ModelStore store;
    private final SourceResolver inputs;
    private final VersionPublisher versions;
    private final PruneJobRunner engine;
    private final JobClaims claims;
    private final String device;

    AttemptRunner(ModelStore store, SourceResolver inputs, PruneJobRunner engine, JobClaims claims, String device) {
        this.store = store;
        this.inputs = inputs;
        this.versions = new VersionPublisher(store);
        this.engine = engine;
        this.claims = claims;
        this.device = device;
    }

    /** @throws LiveJob.ClaimLostException when another replica took the job over before publishing */
    Result run(LiveJob job, PruneRequest request, ProgressThrottle progress) throws Exception {
        StoredVersion earlier = versions.publishedBefore(request.outputModel(), job.jobId).orElse(null);
        if (earlier != null) {
            LOG.infof("job %s: %s v%d already holds its result (published before a restart); reusing it",
                    job.jobId, earlier.name(), earlier.version());
            return new Result(earlier, VersionPublisher.summaryOf(earlier.manifest()));
        }
        progress.report("resolve", 1, null);
        SourceResolver.Inputs in = inputs.resolve(request, progress);
        AttemptFolder attempt = AttemptFolder.prepare(store.root(), job.claim, job.record.attempts());
        try {
            JobOutcome result = engine.prune(new PruneTask(job.jobId, request, in.source(), in.calibration(), in.eval(),
                    attempt.dir(), device), progress);
            progress.report("publish", 95, null);
            job.requireClaim(claims);
            StoredVersion version = versions.publish(job.record, request, result, engine.name(), attempt.dir());
            return new Result(version, result.summary());
        } finally {
            attempt.cleanup();
        }
    }
}
