package dev.secateur.prune.service;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * One line of the job journal ({@code <store root>/.jobs/<jobId>.json}): enough to answer GET /jobs/{id},
 * to re-run the job after a crash (the validated request is kept), and to re-send its outcome event if the
 * process died between recording and publishing it.
 *
 * @param jobId            derived from the request's CloudEvent source and id, so a redelivered request maps to the same job
 * @param requestId        the CloudEvent id of the request
 * @param requestSource    the CloudEvent source of the request
 * @param request          the validated request (PruneRequest JSON), null when it never validated
 * @param attempts         how many times a worker started the job (more than 1 after a crash and restart)
 * @param outcomeType      the CloudEvent type of the outcome (completed, failed, rejected), once there is one
 * @param outcome          the outcome event's data
 * @param outcomePublished true once the broker acknowledged the outcome event; only then is the request acked
 */
public record JobRecord(
        String jobId,
        String requestId,
        String requestSource,
        JobState state,
        Instant received,
        Instant updated,
        String outputModel,
        String phase,
        Integer percent,
        String message,
        int attempts,
        JsonNode request,
        String outcomeType,
        JsonNode outcome,
        boolean outcomePublished) {

    public static JobRecord queued(String jobId, String requestId, String requestSource, String outputModel, JsonNode request) {
        Instant now = Instant.now();
        return new JobRecord(jobId, requestId, requestSource, JobState.QUEUED, now, now, outputModel, null, 0, null, 0,
                request, null, null, false);
    }

    public JobRecord running() {
        return new JobRecord(jobId, requestId, requestSource, JobState.RUNNING, received, Instant.now(), outputModel,
                "start", 0, null, attempts + 1, request, null, null, false);
    }

    public JobRecord progress(String newPhase, int newPercent, String newMessage) {
        return new JobRecord(jobId, requestId, requestSource, state, received, Instant.now(), outputModel, newPhase,
                newPercent, newMessage, attempts, request, outcomeType, outcome, outcomePublished);
    }

    public JobRecord finished(JobState terminal, String type, JsonNode data, String summary) {
        if (!terminal.terminal()) {
            throw new IllegalArgumentException(terminal + " is not a terminal state");
        }
        return new JobRecord(jobId, requestId, requestSource, terminal, received, Instant.now(), outputModel,
                terminal == JobState.COMPLETED ? "done" : phase, terminal == JobState.COMPLETED ? Integer.valueOf(100) : percent,
                summary, attempts, request, type, data, false);
    }

    public JobRecord published() {
        return new JobRecord(jobId, requestId, requestSource, state, received, Instant.now(), outputModel, phase, percent,
                message, attempts, request, outcomeType, outcome, true);
    }
}
