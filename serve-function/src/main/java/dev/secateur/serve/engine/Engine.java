package dev.secateur.serve.engine;

import java.util.Map;

/**
 * One loaded model version on an inference runtime, whatever it does: a {@link TextGenerator} (decoders) or an
 * {@link Embedder} (encoders). Thread-safe: many requests share it.
 */
public interface Engine extends AutoCloseable {

    /** Execution provider actually in use, e.g. "CUDA" or "CPU". */
    String provider();

    /** Tokens the model knows (0 when its graph does not say). */
    int vocabSize();

    /** Longest sequence the model accepts. */
    int maxPositions();

    /** Graph metadata (secateur.architecture, secateur.layer_sizes, ...). */
    Map<String, String> metadata();

    @Override
    void close();
}
