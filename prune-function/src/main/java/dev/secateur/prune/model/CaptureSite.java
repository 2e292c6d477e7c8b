package dev.secateur.prune.model;

/** Points in a decoder block whose activations criteria can record. */
public enum CaptureSite {
    /** The residual stream entering the block, [batch, seq, hidden]. */
    BLOCK_INPUT,
    /** The input of q/k/v (after the pre-norm in a decoder, the block input itself in a post-norm encoder), [batch, seq, hidden]. */
    ATTENTION_INPUT,
    /** Per-head attention outputs before o_proj, [batch, seq, heads, headDim]. */
    ATTENTION_HEADS,
    /** The FFN intermediate activations that feed down_proj, [batch, seq, ffn]. */
    FFN_INTERMEDIATE,
    /** A decoder's residual stream between attention and FFN, x + attention(norm(x)), which post_attention_layernorm reads, [batch, seq, hidden]. */
    MID_RESIDUAL,
    /** The input of the FFN's up/gate projections (after the norm), [batch, seq, hidden]. */
    FFN_INPUT,
    /** The residual stream leaving the block, [batch, seq, hidden]. */
    BLOCK_OUTPUT
}
