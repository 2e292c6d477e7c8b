package dev.secateur.prune.criterion;

/** What a plan removes. */
public enum Structure {
    /** FFN intermediate neurons: rows of gate/up, columns of down. */
    FFN_NEURONS,
    /** Attention heads, in whole KV groups (a KV head and the query heads that share it). */
    ATTENTION_HEADS,
    /** Whole decoder blocks. */
    LAYERS
}
