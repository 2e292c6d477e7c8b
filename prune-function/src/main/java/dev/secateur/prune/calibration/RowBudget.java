package dev.secateur.prune.calibration;

/**
 * How many token rows each calibration batch gives a layer's statistics: about {@code maxTokens} in all, each batch
 * in proportion to its real tokens (all of them when the batches hold fewer). Equal batches (decoder windows) keep
 * equal shares, ⌈maxTokens / batches⌉; padded sentence batches of different lengths are not all cut to the shortest
 * one's count, which once left an encoder's least-squares refit a few hundred rows for a thousand unknowns.
 */
public final class RowBudget {

    private RowBudget() {
    }

    /** @param realTokens real (unpadded) tokens of each batch */
    public static int[] rows(int[] realTokens, int maxTokens) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1, was " + maxTokens);
        }
        long total = 0;
        for (int t : realTokens) {
            total += t;
        }
        int[] out = new int[realTokens.length];
        for (int b = 0; b < out.length; b++) {
            long share = total == 0 ? 0 : (maxTokens * (long) realTokens[b] + total - 1) / total;
            out[b] = (int) Math.max(1, Math.min(realTokens[b], share));
        }
        return out;
    }
}
