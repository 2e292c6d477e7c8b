package dev.secateur.events;

/**
 * @param location       the version folder, for consumers sharing the store's volume
 * @param manifestSha256 pins the exact manifest announced; a consumer can check it before loading
 */
public record PruneCompleted(
        String jobId,
        String requestId,
        String model,
        int version,
        String location,
        String manifestSha256,
        BeforeAfter summary) {
}
