package dev.secateur.serve.generate;

/** Timings of one request, for metrics. ttftNanos is -1 when no token was generated. */
public record GenerationStats(long totalNanos, long ttftNanos, long generationNanos, int promptTokens,
                              int completionTokens) {
}
