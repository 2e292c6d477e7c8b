package dev.secateur.runtime;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks the next token from logits as {@link SamplingParams} says; one per request (it holds the random state). */
public final class Sampler {
    private final SamplingParams params;
    private final SplittableRandom random;

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = params.seed() == null ? new SplittableRandom() : new SplittableRandom(params.seed());
    }

    /**
     * Weight of a token relative to the most likely one below which it is left out of the sort for top-k/top-p:
     * such tokens can only matter when the kept ones do not reach top_p, and then all tokens are sorted.
     */
    private static final double SORT_FLOOR = 1e-12;

    public int next(float[] logits) {
        if (params.isGreedy()) {
            return argmax(logits);
        }
        int n = logits.length;
        double max = logits[argmax(logits)];
        double[] w = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++) {
            w[i] = Math.exp((logits[i] - max) / params.temperature());
            // w is the probability relative to the most likely token's (whose w is 1), which is what min_p bounds
            if (w[i] < params.minP()) {
                w[i] = 0;
            }
            total += w[i];
        }
        if (params.topK() == 0 && params.topP() >= 1) {
            // Plain temperature sampling needs no order: one pass over the vocabulary.
            double u = random.nextDouble() * total;
            for (int i = 0; i < n; i++) {
                u -= w[i];
                if (u < 0) {
                    return i;
                }
            }
            return argmax(logits);
        }
        int[] order = byLogit(logits, w, SORT_FLOOR);
        if (params.topK() > order.length) {
            order = byLogit(logits, w, 0);
        }
        int k = params.topK() > 0 ? Math.min(params.topK(), order.length) : order.length;
        double kTotal = total;
        if (params.topK() > 0) {
            kTotal = 0;
            for (int j = 0; j < k; j++) {
                kTotal += w[order[j]];
            }
        }
        int keep = nucleus(order, k, w, kTotal);
        if (keep < 0) {
            order = byLogit(logits, w, 0);
            k = params.topK() > 0 ? Math.min(params.topK(), order.length) : order.length;
            keep = nucleus(order, k, w, kTotal);
        }
        if (keep < 0) {
            keep = k;
        }
        double kept = 0;
        for (int j = 0; j < keep; j++) {
            kept += w[order[j]];
        }
        double u = random.nextDouble() * kept;
        for (int j = 0; j < keep; j++) {
            u -= w[order[j]];
            if (u < 0) {
                return order[j];
            }
        }
        return order[keep - 1];
    }

    /** Tokens of the top-p nucleus among the first k of order (all k without top-p); -1 if they do not reach it. */
    private int nucleus(int[] order, int k, double[] w, double kTotal) {
        if (params.topP() >= 1) {
            return k;
        }
        double cum = 0;
        for (int j = 0; j < k; j++) {
            cum += w[order[j]] / kTotal;
            if (cum >= params.topP()) {
                return j + 1;
            }
        }
        return order.length == w.length || k < order.length ? k : -1;
    }

    /** Ids with weight at least {@code floor}, by descending logit (lower id first on ties). */
    private static int[] byLogit(float[] logits, double[] w, double floor) {
        int count = 0;
        for (double v : w) {
            count += v >= floor ? 1 : 0;
        }
        long[] packed = new long[count];
        int c = 0;
        for (int i = 0; i < logits.length; i++) {
            if (w[i] >= floor) {
                int bits = Float.floatToIntBits(logits[i]);
                int sortable = bits < 0 ? bits ^ 0x7fffffff : bits;
                packed[c++] = ((long) ~sortable << 32) | i;
            }
        }
        Arrays.sort(packed);
        int[] out = new int[count];
        for (int j = 0; j < count; j++) {
            out[j] = (int) packed[j];
        }
        return out;
    }

    /** The index of the largest logit (the first one on ties, as torch.argmax). */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** log softmax(logits)[index], in double. */
    public static double logSoftmax(float[] logits, int index) {
        return logSoftmax(logits, 0, logits.length, index);
    }

    /** log softmax over logits[from, from + n) at position from + index. */
    static double logSoftmax(float[] logits, int from, int n, int index) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = from; i < from + n; i++) {
            max = Math.max(max, logits[i]);
        }
        double sum = 0;
        for (int i = from; i < from + n; i++) {
            sum += Math.exp(logits[i] - max);
        }
        return logits[from + index] - max - Math.log(sum);
    }
}
