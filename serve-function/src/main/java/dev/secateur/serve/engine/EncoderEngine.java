package dev.secateur.serve.engine;

import dev.secateur.onnx.EncoderOnnxExporter;
import dev.secateur.onnx.ModelExport;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.runtime.OrtEncoder;
import dev.secateur.serve.generate.InvalidRequestException;
import dev.secateur.tokenizer.SentenceTokenizer;
import dev.secateur.tokenizer.SentenceTokenizer.Batch;
import dev.secateur.tokenizer.SentenceTokenizer.TooLongException;
import java.util.List;
import java.util.Map;

/**
 * A BERT-family encoder version: sentence embeddings (mean-pooled, L2-normalised) over the shared
 * {@link OrtEncoder}, owning its tokenizer. It has no logits and does not generate; the completion APIs refuse it.
 */
public final class EncoderEngine implements Embedder {

    /** Default context when the graph does not say (BERT's). */
    static final int DEFAULT_MAX_POSITIONS = 512;
    /** Texts run through the session at once; bounds the padded batch's memory. */
    static final int BATCH = 16;

    private final OrtEncoder encoder;
    private final SentenceTokenizer tokenizer;
    private final int maxPositions;
    private final int vocabSize;

    public EncoderEngine(OrtEncoder encoder, SentenceTokenizer tokenizer) {
        this.encoder = encoder;
        this.tokenizer = tokenizer;
        this.maxPositions = intMeta(encoder.metadata(), ModelExport.MAX_POSITIONS, DEFAULT_MAX_POSITIONS);
        this.vocabSize = intMeta(encoder.metadata(), ModelExport.VOCAB_SIZE, 0);
    }

    private static int intMeta(Map<String, String> m, String key, int fallback) {
        try {
            String v = m.get(key);
            return v == null ? fallback : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** @throws InvalidRequestException (400, param input) for a text longer than the context */
    @Override
    public Embedded embed(List<String> texts) {
        float[][] out = new float[texts.size()][];
        long tokens = 0;
        for (int from = 0; from < texts.size(); from += BATCH) {
            List<String> chunk = texts.subList(from, Math.min(texts.size(), from + BATCH));
            Batch b;
            try {
                b = tokenizer.batch(chunk, maxPositions);
            } catch (TooLongException e) {
                throw new InvalidRequestException("input " + (from + e.index()) + " has " + e.tokens()
                        + " tokens, more than the model's context of " + e.max(), "input");
            }
            float[][] emb = encoder.run(b).sentenceEmbeddings();
            System.arraycopy(emb, 0, out, from, emb.length);
            tokens += b.tokens();
        }
        return new Embedded(out, tokens);
    }

    /**
     * Embeddings of token-id sequences taken as they are (the caller includes [CLS]/[SEP] if it wants them).
     *
     * @throws InvalidRequestException (400, param input) for an id outside the vocabulary or a sequence longer
     *                                 than the context
     */
    @Override
    public Embedded embedIds(List<long[]> sequences) {
        float[][] out = new float[sequences.size()][];
        long tokens = 0;
        for (int from = 0; from < sequences.size(); from += BATCH) {
            List<long[]> chunk = sequences.subList(from, Math.min(sequences.size(), from + BATCH));
            int seq = 1;
            for (int i = 0; i < chunk.size(); i++) {
                long[] ids = chunk.get(i);
                if (ids.length > maxPositions) {
                    throw new InvalidRequestException("input " + (from + i) + " has " + ids.length
                            + " tokens, more than the model's context of " + maxPositions, "input");
                }
                for (long id : ids) {
                    if (id < 0 || (vocabSize > 0 && id >= vocabSize)) {
                        throw new InvalidRequestException("input " + (from + i) + ": token id " + id
                                + " is outside the model's vocabulary of " + vocabSize, "input");
                    }
                }
                seq = Math.max(seq, ids.length);
            }
            Batch b = Batch.of(chunk.toArray(new long[0][]), null, seq, 0);
            float[][] emb = encoder.run(b).sentenceEmbeddings();
            System.arraycopy(emb, 0, out, from, emb.length);
            tokens += b.tokens();
        }
        return new Embedded(out, tokens);
    }

    /** Whether embeddings come out L2-normalised (what our export and sentence-transformers' MiniLM do). */
    @Override
    public boolean normalized() {
        return !"none".equals(encoder.metadata().getOrDefault(EncoderOnnxExporter.NORMALIZE, "l2"));
    }

    /** Width of an embedding. */
    @Override
    public int dimensions() {
        return encoder.hiddenSize();
    }

    @Override
    public String provider() {
        return OrtDecoder.CUDA.equals(encoder.provider()) ? "CUDA" : "CPU";
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    @Override
    public Map<String, String> metadata() {
        return encoder.metadata();
    }

    @Override
    public void close() {
        try (tokenizer) {
            encoder.close();
        }
    }
}
