package dev.secateur.model;

/** The sizes of one block that pruning can change. */
public record LayerSizes(int heads, int kvHeads, int ffn) {
}
