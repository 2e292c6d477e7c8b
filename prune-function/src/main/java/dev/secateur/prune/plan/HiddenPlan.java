package dev.secateur.prune.plan;

import dev.secateur.checkpoint.Tensor;
import java.util.Arrays;

/**
 * Which residual (hidden) channels a hidden-pruned model keeps, the same ones in the embeddings, every block and the
 * head, and what the kept RMSNorm weights are multiplied by.
 *
 * @param dense the source's hidden size d
 * @param kept the kept channels, ascending (H of them)
 * @param attnScale per source layer, the factor on its input_layernorm weights
 * @param mlpScale per source layer, the factor on its post_attention_layernorm weights
 * @param finalScale the factor on the final norm's weights
 * @param fold least-squares fold of the removed channels into the kept ones, [d − H, H] (removed channel r ≈
 *     Σ_k fold[r][k]·kept k on the normalised residual stream), or null when readers are only sliced
 */
public record HiddenPlan(int dense, int[] kept, double[] attnScale, double[] mlpScale, double finalScale, Tensor fold) {

    public HiddenPlan {
        if (kept.length == 0 || kept.length > dense) {
            throw new IllegalArgumentException("a hidden plan keeps 1 to " + dense + " channels, got " + kept.length);
        }
        for (int i = 0; i < kept.length; i++) {
            if (kept[i] < 0 || kept[i] >= dense || (i > 0 && kept[i] <= kept[i - 1])) {
                throw new IllegalArgumentException("kept channels must be ascending and in [0, " + dense + "): " + Arrays.toString(kept));
            }
        }
    }

    /** Slices only: every norm scale 1, no fold (what a reference pruned by the same indices computes). */
    public static HiddenPlan slicing(int dense, int[] kept, int layers) {
        double[] ones = new double[layers];
        Arrays.fill(ones, 1.0);
        return new HiddenPlan(dense, kept, ones, ones.clone(), 1.0, null);
    }

    public int width() {
        return kept.length;
    }

    /** The removed channels, ascending. */
    public int[] removed() {
        return UnitAllocator.kept(dense, kept);
    }
}
