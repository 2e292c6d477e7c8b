package dev.secateur.prune.compensate;

import dev.secateur.checkpoint.Architecture;

/**
 * Where a compensation may leave a bias: on the MLP's output projection, on the attention's. A bias the written
 * checkpoint's Hugging Face code would not read is never fitted, so the model Secateur evaluates and serves is the one
 * transformers loads; there the least-squares refit solves for the kept weights alone.
 */
public record BiasSites(boolean mlp, boolean attention) {
    public static final BiasSites ALL = new BiasSites(true, true);
    public static final BiasSites NONE = new BiasSites(false, false);

    public static BiasSites of(Architecture architecture) {
        return new BiasSites(architecture.readsMlpOutputBias(), architecture.readsAttentionOutputBias());
    }
}
