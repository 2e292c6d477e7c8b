package dev.secateur.prune.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.secateur.prune.eval.DjlLanguageModel;
import dev.secateur.prune.eval.Perplexity;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.tokenizer.TextTokenizer;
import java.nio.file.Path;

/**
 * Perplexity over non-overlapping windows: the text is cut into windows of seqLen + 1 tokens overlapping by one
 * (so every token after the first is predicted exactly once, with at most seqLen − 1 tokens of context), and
 * ppl = exp(mean next-token cross-entropy).
 */
public final class TrainingPerplexity {
    private TrainingPerplexity() {
    }

    public record Result(double perplexity, double meanNll, long predictedTokens, int seqLen) {
    }

    /**
     * Perplexity of a text file through the project's evaluation harness ({@link Perplexity}, what
     * {@code secateur eval} and pruning reports use), so the numbers compare. The model stays open.
     */
    public static Result ofFile(DecoderModel model, Path tokenizer, Path text, int seqLen, int batch) {
        try (TextTokenizer tok = TextTokenizer.load(tokenizer)) {
            Perplexity.Result r = new Perplexity(seqLen, 0, batch).evaluate(new DjlLanguageModel(model), tok, text);
            return new Result(r.perplexity(), r.meanNll(), r.tokens(), r.seqLen());
        }
    }

    /** Perplexity of a token array (same windows as {@link Perplexity}). */
    public static Result perplexity(CausalLm model, int[] tokens, int seqLen, int batch) {
        int windows = (tokens.length - 1) / seqLen;
        if (windows < 1) {
            throw new IllegalArgumentException("evaluation text has " + tokens.length + " tokens, fewer than seqLen + 1 = "
                    + (seqLen + 1));
        }
        var device = model.parameters().values().iterator().next().getDevice();
        double sum = 0;
        long count = 0;
        try (NDManager m = NDManager.newBaseManager(device)) {
            for (int w0 = 0; w0 < windows; w0 += batch) {
                int b = Math.min(batch, windows - w0);
                long[] x = new long[b * seqLen];
                long[] y = new long[b * seqLen];
                for (int i = 0; i < b; i++) {
                    int start = (w0 + i) * seqLen;
                    for (int t = 0; t < seqLen; t++) {
                        x[i * seqLen + t] = tokens[start + t];
                        y[i * seqLen + t] = tokens[start + t + 1];
                    }
                }
                try (NDManager sm = m.newSubManager()) {
                    NDArray logits = model.logits(sm.create(x, new Shape(b, seqLen)));
                    double mean = Losses.crossEntropy(logits, sm.create(y, new Shape(b, seqLen))).getFloat();
                    sum += mean * b * seqLen;
                    count += (long) b * seqLen;
                }
            }
        }
        double nll = sum / count;
        return new Result(Math.exp(nll), nll, count, seqLen);
    }
}
