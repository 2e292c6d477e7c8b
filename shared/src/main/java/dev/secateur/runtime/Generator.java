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
     * Logits of at most this many bytes come back from one session run: a run returns [tokens × vocab] floats, 1 MB a
     * token for Gemma's 262k vocabulary, so a long prompt is fed in pieces that each stay below it.
     */
    static final long LOGITS_BYTES_PER_RUN = 128L << 20;

    /**
     * Appends tokens to the sequence (the prompt at first, then one token per step, or any chunk) and returns
     * the logits [vocab] predicting the token after the last one fed. Only that row is copied out of the run.
     */
    public float[] feed(int[] tokens) {
        return feed(tokens, piece(decoder.vocabSize()));
    }

    /**
     * {@link #feed(int[])} with {@code piece} tokens per session run. All or nothing: when a later piece fails, the
     * cache is the one before the call, so the generator can go on as if the call had not been made.
     */
    float[] feed(int[] tokens, int piece) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("feed at least one token");
        }
        OrtDecoder.Step before = last;
        int lengthBefore = length;
        float[] logits = null;
        try {
            for (int from = 0; from < tokens.length; from += piece) {
                logits = run(java.util.Arrays.copyOfRange(tokens, from, Math.min(tokens.length, from + piece)), false, before)[0];
            }
        } catch (RuntimeException e) {
            if (last != before) {
                last.close();
            }
            last = before;
            length = lengthBefore;
            throw e;
        }
        if (before != null && before != last) {
            before.close();
        }
        return logits;
    }

    /** Tokens fed per session run: as many as keep its logits within {@link #LOGITS_BYTES_PER_RUN}, at least 16. */
    static int piece(int vocab) {
        return (int) Math.max(16, LOGITS_BYTES_PER_RUN / (4L * vocab));
    }

    /** Like {@link #feed} but in one run, returning the logits at every fed position, [tokens][vocab]. */
    public float[][] feedAll(int[] tokens) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("feed at least one token");
        }
        return run(tokens, true, null);
    }

    /** One session run after the cache; the replaced cache is closed unless it is {@code keep} (a feed's starting point). */
    private float[][] run(int[] tokens, boolean everyPosition, OrtDecoder.Step keep) {
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
        int vocab = decoder.vocabSize();
        float[][] out = new float[everyPosition ? n : 1][vocab];
        try {
            FloatBuffer fb = next.logits();
            if (!everyPosition) {
                fb.position((n - 1) * vocab);
            }
            for (float[] row : out) {
                fb.get(row);
            }
        } catch (RuntimeException e) {
            next.close();
            throw e;
        }
        if (last != null && last != keep) {
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
