package dev.secateur.checkpoint;

/**
 * A config's rope_scaling, as it changes the rotary inverse frequencies.
 *
 * <ul>
 * <li>{@code llama3} (Llama 3.1/3.2): low frequencies stretched by factor, a smooth band between;</li>
 * <li>{@code linear} (position interpolation, some Llama-2 derivatives): every frequency divided by factor, which is
 *     Hugging Face's position / factor.</li>
 * </ul>
 * ({@code dynamic} NTK scaling changes nothing within max_position_embeddings, the longest context Secateur runs, so
 * the config reader maps it to no scaling at all.)
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {

    /** The llama3 scaling. */
    public RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
        this("llama3", factor, lowFreqFactor, highFreqFactor, originalMaxPositions);
    }

    public static RopeScaling linear(double factor) {
        return new RopeScaling("linear", factor, 1, 1, 0);
    }

    /** Applies the scaling to the unscaled inverse frequencies. */
    public double[] apply(double[] invFreq) {
        double[] out = new double[invFreq.length];
        if (type.equals("linear")) {
            for (int i = 0; i < invFreq.length; i++) {
                out[i] = invFreq[i] / factor;
            }
            return out;
        }
        double lowWavelen = originalMaxPositions / lowFreqFactor;
        double highWavelen = originalMaxPositions / highFreqFactor;
        for (int i = 0; i < invFreq.length; i++) {
            double wavelen = 2 * Math.PI / invFreq[i];
            if (wavelen < highWavelen) {
                out[i] = invFreq[i];
            } else if (wavelen > lowWavelen) {
                out[i] = invFreq[i] / factor;
            } else {
                double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                out[i] = (1 - smooth) * invFreq[i] / factor + smooth * invFreq[i];
            }
        }
        return out;
    }
}
