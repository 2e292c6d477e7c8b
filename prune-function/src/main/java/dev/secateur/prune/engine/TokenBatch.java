package dev.secateur.prune.engine;

/**
 * One batch of model inputs, row-major [batch, seq]: a decoder's calibration or evaluation windows (no mask: every
 * token is real), or an encoder's right-padded sentences with their attention mask (1 = real token, 0 = padding).
 */
record TokenBatch(long[][] ids, long[][] mask) {
    TokenBatch {
        if (ids.length == 0 || ids[0].length == 0) {
            throw new IllegalArgumentException("an empty batch");
        }
    }

    /** Flat indices (row · seq + position) of the real tokens, or null when every token is real. */
    int[] realRows() {
        if (mask == null) {
            return null;
        }
        int seq = ids[0].length;
        int n = 0;
        for (long[] row : mask) {
            for (long m : row) {
                n += (int) m;
            }
        }
        int[] out = new int[n];
        int k = 0;
        for (int r = 0; r < mask.length; r++) {
            for (int t = 0; t < seq; t++) {
                if (mask[r][t] != 0) {
                    out[k++] = r * seq + t;
                }
            }
        }
        return out;
    }

    /** The mask as float32 rows, for the attention bias and pooling. */
    float[][] floatMask() {
        float[][] out = new float[mask.length][];
        for (int r = 0; r < mask.length; r++) {
            out[r] = new float[mask[r].length];
            for (int t = 0; t < mask[r].length; t++) {
                out[r][t] = mask[r][t];
            }
        }
        return out;
    }
}
