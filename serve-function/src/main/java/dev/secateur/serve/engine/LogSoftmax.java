package dev.secateur.serve.engine;

/** log softmax of one row of logits, computed once and read at any index; the k most likely tokens. */
public final class LogSoftmax {

    private final float[] logits;
    private final double shift;

    public LogSoftmax(float[] logits) {
        this.logits = logits;
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        this.shift = max + Math.log(sum);
    }

    public float at(int id) {
        return (float) (logits[id] - shift);
    }

    /** The k most likely tokens, most likely first (lower id first on ties); k is small, so selection is k passes. */
    public Alternatives top(int k) {
        int n = Math.min(k, logits.length);
        long[] ids = new long[n];
        float[] lps = new float[n];
        boolean[] taken = new boolean[logits.length];
        for (int j = 0; j < n; j++) {
            int best = -1;
            for (int i = 0; i < logits.length; i++) {
                if (!taken[i] && (best < 0 || logits[i] > logits[best])) {
                    best = i;
                }
            }
            taken[best] = true;
            ids[j] = best;
            lps[j] = at(best);
        }
        return new Alternatives(ids, lps);
    }
}
