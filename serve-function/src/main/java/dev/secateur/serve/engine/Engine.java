package dev.secateur.serve.engine;

import java.util.Map;

/**
 * One loaded model version on an inference runtime. Thread-safe: many requests share it, each
 * {@link #generate} call keeps its own state (KV cache, sampler).
 */
public interface Engine extends AutoCloseable {

    /** Execution provider actually in use, e.g. "CUDA" or "CPU". */
    String provider();

    int vocabSize();

    /** Longest sequence (prompt + generated) the model accepts. */
    int maxPositions();

    /** End-of-sequence token ids; generation stops on any of them. */
    long[] eosIds();

    /** Graph metadata (secateur.architecture, secateur.layer_sizes, ...). */
    Map<String, String> metadata();

    /** Full-sequence logits for a batch of equally long rows: [B][T][V]. */
    float[][][] logits(long[][] ids);

    /** Runs prefill + decode until the sink says stop, an EOS token, or {@code params.maxTokens()}. */
    Generated generate(long[] prompt, SamplingParams params, TokenSink sink);

    @Override
    void close();
}
