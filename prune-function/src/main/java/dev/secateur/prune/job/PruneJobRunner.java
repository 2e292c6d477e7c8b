package dev.secateur.prune.job;

/**
 * The one thing the service needs from the pruning code: turn a resolved request into a folder of files
 * to publish. Everything around it (validation, sources, the store, events, the journal) is the
 * service's job, so an engine stays a plain function of its inputs.
 */
public interface PruneJobRunner {

    /** A short name recorded in manifests and reports ("pipeline"). */
    String name();

    /**
     * Writes the pruned model and its report into {@link PruneTask#outputDir()}. Throwing
     * {@link dev.secateur.events.RequestValidationException} reports a request the engine cannot honour
     * (with the field to blame); any other exception is a failure while running.
     */
    JobOutcome prune(PruneTask task, JobProgress progress) throws Exception;
}
