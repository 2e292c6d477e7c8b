package dev.secateur.prune.train;

import java.util.SplittableRandom;

/**
 * Random training windows of {@code seqLen + 1} tokens from one token stream. The windows of a step depend
 * only on (seed, step), so a run resumed at step s sees exactly the batches an uninterrupted run would have;
 * the checkpoint's RNG state is therefore just the seed and the next step.
 */
public final class TokenWindows {
    private final int[] tokens;
    private final long seed;

    public TokenWindows(int[] tokens, long seed) {
        this.tokens = tokens;
        this.seed = seed;
    }

    public int size() {
        return tokens.length;
    }

    public int[] tokens() {
        return tokens;
    }

    /** batch × (seqLen + 1) ids, row-major: inputs are the first seqLen of each row, targets the last seqLen. */
    public long[] batch(int step, int batch, int seqLen) {
        int span = seqLen + 1;
        if (tokens.length < span) {
            throw new IllegalArgumentException("the text has " + tokens.length + " tokens, fewer than one window of "
                    + span + " (sequence length + 1); use more text or a shorter --seq-len");
        }
        SplittableRandom rng = new SplittableRandom(mix(seed, step));
        long[] out = new long[batch * span];
        for (int b = 0; b < batch; b++) {
            int start = rng.nextInt(tokens.length - span + 1);
            for (int t = 0; t < span; t++) {
                out[b * span + t] = tokens[start + t];
            }
        }
        return out;
    }

    /** A well-spread 64-bit seed for one step (SplitMix64's finaliser over seed and step). */
    static long mix(long seed, long step) {
        long z = seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
