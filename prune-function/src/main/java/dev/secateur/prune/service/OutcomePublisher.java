package dev.secateur.prune.service;

import dev.secateur.events.BeforeAfter;
import dev.secateur.events.CloudEvent;
import dev.secateur.events.EventTypes;
import dev.secateur.events.PruneCompleted;
import dev.secateur.events.PruneFailed;
import dev.secateur.events.PruneProgress;
import dev.secateur.events.PruneRejected;
import dev.secateur.events.PruneStarted;
import dev.secateur.events.RequestValidationException;
import dev.secateur.json.Json;
import dev.secateur.store.StoredVersion;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jboss.logging.Logger;

/**
 * A job's events: the outcome (completed, failed or rejected) written into its record first, so the journal can
 * re-send it after a crash, then sent; started and progress events are sent on a best-effort basis.
 */
final class OutcomePublisher {

    private static final Logger LOG = Logger.getLogger(OutcomePublisher.class);

    private final EventPublisher events;
    private final String eventSource;

    /** @param eventSource the CloudEvents source attribute of every event this service emits */
    OutcomePublisher(EventPublisher events, String eventSource) {
        this.events = events;
        this.eventSource = eventSource;
    }

    /** The request was unusable: the failure names the field to fix. */
    JobRecord invalid(JobRecord job, RequestValidationException e) {
        return job.finished(JobState.FAILED, EventTypes.PRUNE_FAILED,
                Json.toTree(PruneFailed.of(job.jobId(), job.requestId(), e)), e.getMessage());
    }

    /** The job broke while it ran. */
    JobRecord crashed(JobRecord job, Throwable e) {
        String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
        return job.finished(JobState.FAILED, EventTypes.PRUNE_FAILED,
                Json.toTree(new PruneFailed(job.jobId(), job.requestId(), reason, null)), reason);
    }

    /** The job's version is in the store: completed when it may be served, rejected when it failed the quality gate. */
    JobRecord stored(JobRecord job, StoredVersion version, BeforeAfter summary) {
        String rejection = VersionPublisher.rejection(version);
        if (rejection != null) {
            LOG.infof("job %s: %s v%d stored as rejected: %s", job.jobId(), version.name(), version.version(), rejection);
            return job.finished(JobState.REJECTED, EventTypes.PRUNE_REJECTED, Json.toTree(new PruneRejected(
                    job.jobId(), job.requestId(), version.name(), version.version(), rejection, summary)), rejection);
        }
        LOG.infof("job %s: published %s v%d", job.jobId(), version.name(), version.version());
        return job.finished(JobState.COMPLETED, EventTypes.PRUNE_COMPLETED, Json.toTree(new PruneCompleted(
                job.jobId(), job.requestId(), version.name(), version.version(), version.directory().toString(),
                version.manifestSha256(), summary)), version.name() + " v" + version.version());
    }

    void started(JobRecord job, String outputModel) {
        emit(EventTypes.PRUNE_STARTED, job.jobId(), new PruneStarted(job.jobId(), job.requestId(), outputModel));
    }

    void progress(PruneProgress progress) {
        emit(EventTypes.PRUNE_PROGRESS, progress.jobId(), progress);
    }

    /**
     * Sends the outcome the record holds. Its event id is deterministic (job id + outcome), so a consumer can drop
     * the duplicate that a crash between sending and recording may cause.
     *
     * @return completes when the broker has it; a transport that throws yields a failed stage too
     */
    CompletionStage<Void> send(JobRecord job) {
        String suffix = job.outcomeType().substring(job.outcomeType().lastIndexOf('.') + 1);
        CloudEvent ev = new CloudEvent(job.jobId() + "." + suffix, eventSource, job.outcomeType(),
                CloudEvent.SPEC_VERSION, job.updated() == null ? Instant.now() : job.updated(), CloudEvent.JSON,
                job.jobId(), job.outcome());
        try {
            return events.publish(ev, job.jobId());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A lost started or progress event changes nothing downstream, so it is logged and dropped. */
    private void emit(String type, String jobId, Object data) {
        CloudEvent ev = CloudEvent.of(type, eventSource, jobId, data);
        events.publish(ev, jobId).whenComplete((v, e) -> {
            if (e != null) {
                LOG.warnf("could not publish %s for job %s: %s", type, jobId, e.getMessage());
            }
        });
    }
}
