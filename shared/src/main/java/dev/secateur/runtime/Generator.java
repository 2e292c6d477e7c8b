package dev.secateur.runtime;

import java.nio.FloatBuffer;

/**
 * The per-request state of incremental decoding (batch 1): the key/value cache of everything fed so far,
 * held as the previous run's present.* tensors inside ONNX Runtime. Not thread-safe; one per request.
 */
public final class Generator implements AutoCloseable {
    private final OrtDecoder decoder;
    private OrtDecoder.Step last;
    private int length;

    Generator(OrtDecoder decoder) {
        this.decoder = decoder;
    }

    /**
     * Appends tokens to the sequence (the prompt at first, then one token per step, or any chunk) and returns
     * the logits [vocab] predicting the token after the last one fed.
     */
    public float[] feed(int[] tokens) {
        return feedAll(tokens)[tokens.length - 1];
    }

    /** Like {@link #feed} but returns the logits at every fed position, [tokens][vocab]. */
    public float[][] feedAll(int[] tokens) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("feed at least one token");
        }
        int n = tokens.length;
        long[] ids = new long[n];
        long[] pos = new long[n];
        long[] mask = new long[length + n];
        java.util.Arrays.fill(mask, 1);
        for (int t = 0; t < n; t++) {
            ids[t] = tokens[t];
            pos[t] = length + t;
        }
        OrtDecoder.Step next = decoder.run(1, n, ids, mask, pos, last, length);
        float[][] out = new float[n][decoder.vocabSize()];
        try {
            FloatBuffer fb = next.logits();
            for (int t = 0; t < n; t++) {
                fb.get(out[t]);
            }
        } catch (RuntimeException e) {
            next.close();
            throw e;
        }
        if (last != null) {
            last.close();
        }
        last = next;
        length += n;
        return out;
    }

    /**
     * Hands the cache to a {@link DecodeBatch}: returns it (null when nothing was fed) and leaves this generator
     * empty, so closing it afterwards frees nothing the batch uses.
     */
    OrtDecoder.Step detach() {
        OrtDecoder.Step out = last;
        last = null;
        length = 0;
        return out;
    }

    /** Tokens fed so far (the cache length). */
    public int length() {
        return length;
    }

    @Override
    public void close() {
        if (last != null) {
            last.close();
            last = null;
        }
    }
}
