package dev.secateur.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Encoder (BERT-family) inputs from a Hugging Face tokenizer.json: special tokens added ([CLS] … [SEP]),
 * no silent truncation (a text longer than the model's positions is refused, naming its length), and
 * batches padded on the right with attention_mask 0 and token_type_ids 0.
 */
public final class SentenceTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final long padId;

    private SentenceTokenizer(HuggingFaceTokenizer tokenizer, long padId) {
        this.tokenizer = tokenizer;
        this.padId = padId;
    }

    private static Map<String, String> options() {
        return Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false",
                "maxLength", String.valueOf(Integer.MAX_VALUE));
    }

    public static SentenceTokenizer load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        try {
            return new SentenceTokenizer(HuggingFaceTokenizer.newInstance(file, options()), 0);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + ": cannot load tokenizer (" + e.getMessage() + ")", e);
        }
    }

    public static SentenceTokenizer load(InputStream in, String source) {
        try {
            return new SentenceTokenizer(HuggingFaceTokenizer.newInstance(in, options()), 0);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(source + ": cannot load tokenizer (" + e.getMessage() + ")", e);
        }
    }

    /** Token ids of one text with its special tokens, never truncated. */
    public long[] encode(String text) {
        return tokenizer.encode(text).getIds();
    }

    /**
     * A right-padded batch, row-major [batch, seq].
     *
     * @param maxTokens the model's context (max positions); a longer text throws {@link TooLongException}
     */
    public Batch batch(List<String> texts, int maxTokens) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no texts to encode");
        }
        long[][] ids = new long[texts.size()][];
        long[][] types = new long[texts.size()][];
        int seq = 1;
        for (int i = 0; i < ids.length; i++) {
            Encoding e = tokenizer.encode(texts.get(i));
            ids[i] = e.getIds();
            types[i] = e.getTypeIds();
            if (ids[i].length > maxTokens) {
                throw new TooLongException(i, ids[i].length, maxTokens);
            }
            seq = Math.max(seq, ids[i].length);
        }
        return Batch.of(ids, types, seq, padId);
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    /** A text longer than the model's context. */
    public static final class TooLongException extends IllegalArgumentException {
        private final int index;
        private final int tokens;
        private final int max;

        TooLongException(int index, int tokens, int max) {
            super("input " + index + " has " + tokens + " tokens, more than the model's context of " + max);
            this.index = index;
            this.tokens = tokens;
            this.max = max;
        }

        public int index() {
            return index;
        }

        public int tokens() {
            return tokens;
        }

        public int max() {
            return max;
        }
    }

    /** Encoder inputs, each row-major [batch, seq]. */
    public record Batch(int batch, int seq, long[] inputIds, long[] attentionMask, long[] tokenTypeIds) {
        public static Batch of(long[][] ids, long[][] types, int seq, long padId) {
            int b = ids.length;
            long[] in = new long[b * seq], mask = new long[b * seq], tt = new long[b * seq];
            java.util.Arrays.fill(in, padId);
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < ids[i].length; j++) {
                    in[i * seq + j] = ids[i][j];
                    mask[i * seq + j] = 1;
                    tt[i * seq + j] = types == null ? 0 : types[i][j];
                }
            }
            return new Batch(b, seq, in, mask, tt);
        }

        /** Real tokens in the batch (not padding). */
        public long tokens() {
            long n = 0;
            for (long m : attentionMask) {
                n += m;
            }
            return n;
        }
    }
}
