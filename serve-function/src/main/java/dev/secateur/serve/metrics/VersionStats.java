package dev.secateur.serve.metrics;

import java.util.Arrays;

/**
 * What one version measured while serving: request count, latency percentiles over the most recent
 * requests, and generated tokens per second of generation time.
 */
public final class VersionStats {

    private static final int WINDOW = 4096;

    private final double[] latenciesMs = new double[WINDOW];
    private long requests;
    private long tokens;
    private long generationNanos;
    private long ttftNanosSum;
    private long ttftCount;

    public synchronized void record(long latencyNanos, long ttftNanos, int completionTokens, long genNanos) {
        latenciesMs[(int) (requests % WINDOW)] = latencyNanos / 1e6;
        requests++;
        tokens += completionTokens;
        generationNanos += genNanos;
        if (ttftNanos >= 0) {
            ttftNanosSum += ttftNanos;
            ttftCount++;
        }
    }

    public synchronized Snapshot snapshot() {
        int n = (int) Math.min(requests, WINDOW);
        double[] sorted = Arrays.copyOf(latenciesMs, n);
        Arrays.sort(sorted);
        return new Snapshot(requests, tokens, percentile(sorted, 0.50), percentile(sorted, 0.95),
                generationNanos == 0 ? 0 : tokens / (generationNanos / 1e9),
                ttftCount == 0 ? 0 : ttftNanosSum / 1e6 / ttftCount);
    }

    /** Nearest-rank percentile; 0 when empty. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    public record Snapshot(long requests, long completionTokens, double latencyP50Ms, double latencyP95Ms,
                           double tokensPerSecond, double meanTtftMs) {
    }
}
