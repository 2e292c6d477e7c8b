package dev.secateur.prune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.secateur.checkpoint.RopeScaling;

/**
 * Rotary position embedding tables in Hugging Face's convention: inv_freq_i = 1 / theta^(2i/d) for
 * i &lt; d/2 over the d rotated dimensions (then rope_scaling if configured), and cos/sin of position·inv_freq
 * repeated twice along them because rotate_half pairs element i with element i + d/2, times longrope's attention
 * factor. Computed in double, then rounded once to float32.
 */
final class Rope {
    private final double[] invFreq;
    private final double attentionFactor;

    /** @param rotaryDim the rotated leading dimensions of a head (head_dim × partial_rotary_factor) */
    Rope(int rotaryDim, double theta, RopeScaling scaling) {
        this.invFreq = invFreq(rotaryDim, theta, scaling);
        this.attentionFactor = scaling == null ? 1.0 : scaling.attentionFactor();
    }

    static double[] invFreq(int headDim, double theta, RopeScaling scaling) {
        double[] f = new double[headDim / 2];
        for (int i = 0; i < f.length; i++) {
            f[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
        }
        return scaling == null ? f : scaling.apply(f);
    }

    /** cos (index 0) and sin (index 1) tables for positions 0..seq−1, as [seq, rotaryDim] arrays (longrope's scale in them). */
    NDArray[] tables(NDManager manager, int seq) {
        int d = invFreq.length * 2;
        float[] cos = new float[seq * d];
        float[] sin = new float[seq * d];
        for (int p = 0; p < seq; p++) {
            for (int i = 0; i < invFreq.length; i++) {
                double angle = p * invFreq[i];
                float c = (float) (Math.cos(angle) * attentionFactor), s = (float) (Math.sin(angle) * attentionFactor);
                cos[p * d + i] = c;
                cos[p * d + i + invFreq.length] = c;
                sin[p * d + i] = s;
                sin[p * d + i + invFreq.length] = s;
            }
        }
        Shape shape = new Shape(seq, d);
        return new NDArray[] {manager.create(cos, shape), manager.create(sin, shape)};
    }
}
