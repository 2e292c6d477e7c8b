package dev.secateur.prune.eval;

/**
 * A causal language model seen only through its next-token losses: the seam that lets one perplexity
 * harness score the DJL model before pruning and the exported ONNX model after it. Returning losses rather
 * than logits keeps [batch, seq, vocab] on the backend (a 128k vocabulary makes logits the largest tensor).
 */
public interface LanguageModel extends AutoCloseable {

    /**
     * Negative log-likelihoods (natural log) of each token after the first, given the tokens before it
     * in the same window: the model reads window[0..L−2] and is scored on window[1..L−1].
     *
     * @param windows [batch][L] token ids, every row the same length L ≥ 2
     * @return [batch][L−1] losses
     */
    float[][] nextTokenNll(long[][] windows);

    /** The longest window (tokens read at once) the model computes exactly: its config's, or the export's max positions. */
    int contextLength();

    /** Where it runs, for reports: "cpu", "cuda:0", "onnxruntime-cpu", ... */
    String device();

    @Override
    default void close() {
    }
}
