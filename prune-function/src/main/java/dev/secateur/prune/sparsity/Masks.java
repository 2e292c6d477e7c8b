package dev.secateur.prune.sparsity;

import dev.secateur.model.SparsityPattern;

import java.util.Arrays;

/**
 * Mask choices shared by the sparsity methods: which weights of a row-major score matrix to zero. Lower scores go
 * first; ties go to the lower index so that a run is reproducible.
 */
final class Masks {
    private Masks() {
    }

    /** Marks the {@code zeros} lowest scores of row r among columns [from, to). */
    static void lowestInRow(double[] scores, int cols, int r, int from, int to, int zeros, boolean[] zero) {
        Integer[] idx = new Integer[to - from];
        for (int j = 0; j < idx.length; j++) {
            idx[j] = from + j;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(scores[r * cols + a], scores[r * cols + b]));
        for (int k = 0; k < zeros; k++) {
            zero[r * cols + idx[k]] = true;
        }
    }

    /** N:M: within row r's group of {@code group} inputs starting at {@code start}, marks all but the {@code kept} highest. */
    static void lowestInGroup(double[] scores, int cols, int r, int start, SparsityPattern p, boolean[] zero) {
        lowestInRow(scores, cols, r, start, start + p.group(), p.group() - p.kept(), zero);
    }

    /** Marks the {@code zeros} lowest scores over every row of columns [from, to) together (SparseGPT's per-block choice). */
    static void lowestInBlock(double[] scores, int rows, int cols, int from, int to, int zeros, boolean[] zero) {
        int width = to - from;
        Integer[] idx = new Integer[rows * width];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < width; j++) {
                idx[r * width + j] = r * cols + from + j;
            }
        }
        Arrays.sort(idx, (a, b) -> Double.compare(scores[a], scores[b]));
        for (int k = 0; k < zeros; k++) {
            zero[idx[k]] = true;
        }
    }

    /** Row r's share of {@code total} zeros spread over {@code rows} rows: shares differ by at most one and sum to total. */
    static int share(long total, int rows, int r) {
        return (int) ((r + 1) * total / rows - r * total / rows);
    }
}
