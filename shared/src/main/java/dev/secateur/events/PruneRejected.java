package dev.secateur.events;

/**
 * The pruned model was stored (as a rejected version, kept for inspection) but failed the quality gate,
 * so the server will not pick it up.
 */
public record PruneRejected(
        String jobId,
        String requestId,
        String model,
        int version,
        String reason,
        BeforeAfter summary) {
}
