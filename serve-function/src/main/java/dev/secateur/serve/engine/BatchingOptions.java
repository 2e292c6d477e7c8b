package dev.secateur.serve.engine;

/**
 * Continuous batching of decode steps ({@code secateur.serve.batching.*}).
 *
 * @param enabled      decode the concurrent requests of a version together; off, each request runs its own loop
 * @param maxBatch     most sequences decoding together; more wait, in arrival order, for a row to free up
 * @param prefillChunk most prompt tokens prefilled between two decode steps while others decode, so a long prompt
 *                     delays the running batch by one chunk at a time
 */
public record BatchingOptions(boolean enabled, int maxBatch, int prefillChunk) {

    public BatchingOptions {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("secateur.serve.batching.max-batch must be at least 1, was " + maxBatch);
        }
        if (prefillChunk < 1) {
            throw new IllegalArgumentException("secateur.serve.batching.prefill-chunk must be at least 1, was "
                    + prefillChunk);
        }
    }

    public static BatchingOptions off() {
        return new BatchingOptions(false, 1, 1);
    }
}
