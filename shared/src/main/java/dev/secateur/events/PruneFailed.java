package dev.secateur.events;

/** @param field the request field at fault for validation failures, null for failures while running */
public record PruneFailed(String jobId, String requestId, String reason, String field) {

    public static PruneFailed of(String jobId, String requestId, RequestValidationException e) {
        return new PruneFailed(jobId, requestId, e.reason(), e.field());
    }
}
