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

    public int next(float[] logits) {
        if (params.isGreedy()) {
            return argmax(logits);
        }
        int n = logits.length;
        // Candidates in descending logit order (ties: lower id first), packed as sortable longs.
        long[] order = new long[n];
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToIntBits(logits[i]);
            int sortable = bits < 0 ? bits ^ 0x7fffffff : bits;
            order[i] = ((long) ~sortable << 32) | i;
        }
        Arrays.sort(order);
        int k = params.topK() > 0 ? Math.min(params.topK(), n) : n;
        double max = logits[(int) order[0]];
        double[] p = new double[k];
        double total = 0;
        for (int j = 0; j < k; j++) {
            p[j] = Math.exp((logits[(int) order[j]] - max) / params.temperature());
            total += p[j];
        }
        int keep = k;
        if (params.topP() < 1) {
            double cum = 0;
            for (int j = 0; j < k; j++) {
                cum += p[j] / total;
                if (cum >= params.topP()) {
                    keep = j + 1;
                    break;
                }
            }
        }
        double kept = 0;
        for (int j = 0; j < keep; j++) {
            kept += p[j];
        }
        double u = random.nextDouble() * kept;
        for (int j = 0; j < keep; j++) {
            u -= p[j];
            if (u < 0) {
                return (int) order[j];
            }
        }
        return (int) order[keep - 1];
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
