package dev.secateur.prune.sparsity;

import dev.secateur.model.SparsityPattern;

/**
 * How sparse every linear weight matrix of every block becomes: the fraction of zero weights and where they may fall.
 * An N:M pattern fixes the fraction, so a sparsity that contradicts it is refused rather than silently overridden.
 */
public record SparsityTarget(double sparsity, SparsityPattern pattern) {

    public SparsityTarget {
        if (!(sparsity > 0 && sparsity < 1)) {
            throw new IllegalArgumentException("sparsity must be > 0 and < 1, was " + sparsity);
        }
        if (pattern == null) {
            pattern = SparsityPattern.UNSTRUCTURED;
        }
        if (!pattern.unstructured() && Math.abs(pattern.impliedSparsity() - sparsity) > 1e-9) {
            throw new IllegalArgumentException("pattern " + pattern + " keeps " + pattern.kept() + " of every " + pattern.group()
                    + " weights, so sparsity must be " + pattern.impliedSparsity() + ", was " + sparsity);
        }
    }

    /** Zeros to place among {@code count} weights: the nearest whole number to sparsity × count. */
    public int zerosAmong(int count) {
        return (int) Math.round(sparsity * count);
    }

    @Override
    public String toString() {
        return sparsity + " " + pattern;
    }
}
