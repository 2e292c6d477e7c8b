package dev.secateur.checkpoint;

/**
 * A config's rope_scaling, as it changes the rotary inverse frequencies (and, for longrope, the cos/sin tables' scale).
 *
 * <ul>
 * <li>{@code llama3} (Llama 3.1/3.2): low frequencies stretched by factor, a smooth band between;</li>
 * <li>{@code linear} (position interpolation, some Llama-2 derivatives): every frequency divided by factor, which is
 *     Hugging Face's position / factor;</li>
 * <li>{@code longrope} (Phi-3-128k, Phi-3.5, Phi-4-mini): frequency i divided by short_factor[i] and cos/sin multiplied
 *     by attentionFactor, which is Hugging Face's computation for sequences up to original_max_position_embeddings;
 *     past that it switches every position to long_factor, so {@link #contextLimit()} stops there;</li>
 * <li>{@code yarn} (Qwen2.5/Qwen3 long-context configs, OLMo 3): frequency i divided by a divisor that ramps from 1
 *     (fast frequencies, more than beta_fast turns over original_max_position_embeddings) to factor (slower than
 *     beta_slow turns), and cos/sin multiplied by attentionFactor; the same at every position, so no context limit.</li>
 * </ul>
 * ({@code dynamic} NTK scaling changes nothing within max_position_embeddings, the longest context Secateur runs, so
 * the config reader maps it to no scaling at all.)
 *
 * @param divisors longrope's short_factor or yarn's ramped divisors, one per frequency; null otherwise
 * @param attentionFactor what cos and sin are multiplied by (1 but for longrope and yarn)
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions,
                          double[] divisors, double attentionFactor) {

    /** The llama3 scaling. */
    public RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
        this("llama3", factor, lowFreqFactor, highFreqFactor, originalMaxPositions, null, 1.0);
    }

    public static RopeScaling linear(double factor) {
        return new RopeScaling("linear", factor, 1, 1, 0, null, 1.0);
    }

    /** @param shortFactor the per-frequency divisors Hugging Face uses up to originalMaxPositions */
    public static RopeScaling longrope(double[] shortFactor, int originalMaxPositions, double attentionFactor) {
        return new RopeScaling("longrope", 1, 1, 1, originalMaxPositions, shortFactor.clone(), attentionFactor);
    }

    /** @param divisors what each rotated frequency is divided by, from 1 up to factor */
    public static RopeScaling yarn(double[] divisors, double factor, int originalMaxPositions, double attentionFactor) {
        return new RopeScaling("yarn", factor, 1, 1, originalMaxPositions, divisors.clone(), attentionFactor);
    }

    /** The longest sequence these frequencies are right for (longrope's change of factors lies beyond it). */
    public int contextLimit() {
        return type.equals("longrope") ? originalMaxPositions : Integer.MAX_VALUE;
    }

    /** Applies the scaling to the unscaled inverse frequencies. */
    public double[] apply(double[] invFreq) {
        double[] out = new double[invFreq.length];
        if (divisors != null) {
            if (divisors.length != invFreq.length) {
                throw new IllegalArgumentException(type + " has " + divisors.length + " factors for " + invFreq.length
                        + " frequencies");
            }
            for (int i = 0; i < invFreq.length; i++) {
                out[i] = invFreq[i] / divisors[i];
            }
            return out;
        }
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
