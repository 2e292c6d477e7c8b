package dev.secateur.prune.eval;

import dev.secateur.tokenizer.TextTokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Perplexity of a text: exp(mean next-token NLL).
 *
 * <p>Windows: the token stream is cut into windows of seqLen + 1 tokens that overlap by exactly one
 * token; the model reads the first seqLen tokens of each and is scored on the last seqLen, so every token
 * after the first is predicted exactly once, from a context of 0..seqLen−1 earlier tokens of its own
 * window (context resets at each window, as in the usual non-overlapping evaluation). A trailing partial
 * window is dropped. "tokens" counts the scored tokens (windows × seqLen).
 *
 * <p>Streaming: the file is read and tokenised in pieces ({@link TextChunks}) and only the current batch of
 * windows is held, so a corpus of any size evaluates in constant memory.
 */
public final class Perplexity {

    public record Result(double perplexity, double meanNll, long tokens, int windows, int seqLen) {
    }

    private final int seqLen;
    private final long maxTokens;
    private final int batchSize;
    private final int chunkChars;

    /**
     * @param maxTokens score at most this many tokens, rounded down to whole windows; 0 for the whole text
     * @param batchSize windows per model call
     */
    public Perplexity(int seqLen, long maxTokens, int batchSize) {
        this(seqLen, maxTokens, batchSize, TextChunks.DEFAULT_CHARS);
    }

    Perplexity(int seqLen, long maxTokens, int batchSize, int chunkChars) {
        if (seqLen < 1) {
            throw new IllegalArgumentException("seq-len must be ≥ 1, got " + seqLen);
        }
        if (maxTokens < 0 || (maxTokens > 0 && maxTokens < seqLen)) {
            throw new IllegalArgumentException("max-tokens " + maxTokens + " is less than one window of seq-len " + seqLen);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
        }
        this.seqLen = seqLen;
        this.maxTokens = maxTokens;
        this.batchSize = batchSize;
        this.chunkChars = chunkChars;
    }

    public Result evaluate(LanguageModel model, TextTokenizer tokenizer, Path text) {
        Accumulator acc = new Accumulator(model);
        forEachWindow(tokenizer, text, acc::add);
        acc.flush();
        double mean = acc.nllSum / acc.tokens;
        return new Result(Math.exp(mean), mean, acc.tokens, acc.windows, seqLen);
    }

    /** The evaluation windows themselves (seqLen + 1 tokens each), for evaluators that carry them through a model block by block. */
    public long[][] windows(TextTokenizer tokenizer, Path text) {
        List<long[]> out = new ArrayList<>();
        forEachWindow(tokenizer, text, out::add);
        return out.toArray(long[][]::new);
    }

    private void forEachWindow(TextTokenizer tokenizer, Path text, java.util.function.Consumer<long[]> sink) {
        if (!Files.isRegularFile(text)) {
            throw new IllegalArgumentException(text + ": no such text file");
        }
        long maxWindows = maxTokens == 0 ? Long.MAX_VALUE : maxTokens / seqLen;
        long[] window = new long[seqLen + 1];
        int filled = 0;
        long seen = 0, windows = 0;
        try (BufferedReader reader = Files.newBufferedReader(text, StandardCharsets.UTF_8)) {
            TextChunks chunks = new TextChunks(reader, chunkChars);
            for (String piece = chunks.next(); piece != null && windows < maxWindows; piece = chunks.next()) {
                for (long id : tokenizer.encode(piece)) {
                    seen++;
                    window[filled++] = id;
                    if (filled == window.length) {
                        sink.accept(window.clone());
                        windows++;
                        window[0] = window[seqLen]; // the one shared token: context for the next window's first target
                        filled = 1;
                        if (windows >= maxWindows) {
                            break;
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(text + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (windows == 0) {
            throw new IllegalArgumentException(text + ": text has " + seen + " tokens, fewer than one window of seqLen+1 = "
                    + (seqLen + 1));
        }
    }

    /** Batches windows for the model and sums their losses in double. */
    private final class Accumulator {
        final LanguageModel model;
        final List<long[]> batch = new ArrayList<>();
        double nllSum;
        long tokens;
        int windows;

        Accumulator(LanguageModel model) {
            this.model = model;
        }

        void add(long[] window) {
            batch.add(window);
            if (batch.size() == batchSize) {
                flush();
            }
        }

        void flush() {
            if (batch.isEmpty()) {
                return;
            }
            for (float[] row : model.nextTokenNll(batch.toArray(long[][]::new))) {
                for (float nll : row) {
                    nllSum += nll;
                }
                tokens += row.length;
            }
            windows += batch.size();
            batch.clear();
        }
    }
}
