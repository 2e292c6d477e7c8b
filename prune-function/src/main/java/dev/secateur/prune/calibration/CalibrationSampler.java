package dev.secateur.prune.calibration;

import java.util.Arrays;
import java.util.SplittableRandom;

/** N non-overlapping windows of L tokens, chosen with a seed among the ⌊tokens / L⌋ aligned windows of the text. */
public final class CalibrationSampler {
    private CalibrationSampler() {
    }

    public static long[][] windows(long[] tokens, int samples, int seqLen, long seed) {
        if (samples < 1 || seqLen < 1) {
            throw new IllegalArgumentException("calibration needs samples ≥ 1 and seqLen ≥ 1, got " + samples + " × " + seqLen);
        }
        long needed = (long) samples * seqLen;
        if (tokens.length < needed) {
            throw new IllegalArgumentException("calibration text is too short: it has " + tokens.length + " tokens, "
                    + samples + " samples × " + seqLen + " tokens need " + needed);
        }
        int available = tokens.length / seqLen;
        int[] idx = new int[available];
        Arrays.setAll(idx, i -> i);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < samples; i++) {
            int j = i + r.nextInt(available - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        long[][] out = new long[samples][];
        for (int i = 0; i < samples; i++) {
            out[i] = Arrays.copyOfRange(tokens, idx[i] * seqLen, (idx[i] + 1) * seqLen);
        }
        return out;
    }
}
