package dev.secateur.prune.sparsity;

/**
 * Zeros of one stored linear weight, as read back from the written checkpoint.
 *
 * @param groupsBreakingPattern N:M groups of a row holding more than N non-zeros (0 when the pattern holds; always 0
 *     for unstructured)
 */
public record MatrixSparsity(int layer, String matrix, int rows, int cols, long zeros, double sparsity, long groupsBreakingPattern) {
}
