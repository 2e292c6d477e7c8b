package dev.secateur.events;

/** @param requestId the id of the requesting CloudEvent, so senders can correlate without a job id */
public record PruneStarted(String jobId, String requestId, String outputModel) {
}
