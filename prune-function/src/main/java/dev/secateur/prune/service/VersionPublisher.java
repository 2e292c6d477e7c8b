package dev.secateur.prune.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.secateur.events.BeforeAfter;
import dev.secateur.events.ModelSource;
import dev.secateur.events.PruneRequest;
import dev.secateur.events.QualityGate;
import dev.secateur.json.Json;
import dev.secateur.prune.job.JobOutcome;
import dev.secateur.store.Manifest;
import dev.secateur.store.ModelStore;
import dev.secateur.store.StoredVersion;
import dev.secateur.store.VersionStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A job's versions in the model store, keyed by job id: the version a previous attempt already published (so a re-run
 * after a crash publishes nothing twice), and publishing a finished attempt's folder with the job's metadata behind
 * the request's {@link QualityGate}: as served, or stored as rejected with the gate's reason.
 */
final class VersionPublisher {
    static final String META_JOB_ID = "jobId";
    static final String META_SUMMARY = "summary";
    private static final String META_REJECTED_REASON = "rejectedReason";

    private final ModelStore store;

    VersionPublisher(ModelStore store) {
        this.store = store;
    }

    /** The version a previous attempt of this job published, if any (newest first: it is usually the last). */
    Optional<StoredVersion> publishedBefore(String model, String jobId) {
        List<Integer> versions = store.versions(model);
        for (int i = versions.size() - 1; i >= 0; i--) {
            int v = versions.get(i);
            if (jobId.equals(store.manifest(model, v).metadata().get(META_JOB_ID))) {
                return Optional.of(store.describe(model, v));
            }
        }
        return Optional.empty();
    }

    /** The before/after figures a published version carries, or null when it has none. */
    static BeforeAfter summaryOf(Manifest manifest) {
        String s = manifest.metadata().get(META_SUMMARY);
        if (s == null) {
            return null;
        }
        try {
            return Json.mapper().readValue(s, BeforeAfter.class);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /**
     * Moves the attempt's folder into the store as the next version of the request's output model, rejected when
     * the result fails the request's quality gate.
     *
     * @param job the journal record (request id and source go into the manifest)
     */
    StoredVersion publish(JobRecord job, PruneRequest request, JobOutcome result, String engine, Path work) {
        QualityGate gate = request.qualityGate();
        String rejection = gate == null ? null : gate.failure(result.summary(), request.eval() != null);
        Map<String, String> metadata = new HashMap<>(result.metadata());
        metadata.put(META_JOB_ID, job.jobId());
        metadata.put("requestId", job.requestId());
        metadata.put("requestSource", job.requestSource());
        metadata.put("source", describe(request.source()));
        metadata.put("method", request.method().json());
        metadata.put("engine", engine);
        metadata.put(META_SUMMARY, new String(Json.toBytes(result.summary()), StandardCharsets.UTF_8));
        metadata.put(META_REJECTED_REASON, rejection);
        return store.publish(request.outputModel(), work, metadata,
                rejection == null ? VersionStatus.PUBLISHED : VersionStatus.REJECTED, ModelStore.Transfer.MOVE);
    }

    /** Why the version was stored as rejected, or null when it may be served. */
    static String rejection(StoredVersion version) {
        Manifest manifest = version.manifest();
        return manifest.status() == VersionStatus.REJECTED ? manifest.metadata().getOrDefault(META_REJECTED_REASON, "rejected") : null;
    }

    private static String describe(ModelSource source) {
        return source.isStoreModel() ? source.model() + (source.version() == null ? "" : " v" + source.version()) : source.path();
    }
}
