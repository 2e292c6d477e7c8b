package dev.secateur.prune.sparsity;

import dev.secateur.model.SparsityPattern;

import dev.secateur.checkpoint.Tensor;

/**
 * Wanda (arXiv 2306.11695): score S_ij = |W_ij| · ‖X_j‖₂ and zero the lowest scores of each output row (unstructured),
 * or the lowest M − N of each group of M consecutive inputs of a row (N:M). The kept weights are left as they are.
 * Comparing within a row rather than across the matrix is what the paper found to matter for LLMs.
 */
public final class WandaMethod implements WeightSparsityMethod {
    @Override
    public String name() {
        return "wanda";
    }

    @Override
    public Tensor sparsify(Tensor weight, InputGram gram, SparsityTarget target) {
        int rows = weight.dim(0), cols = weight.dim(1);
        double[] norms = gram.columnNorms();
        float[] w = weight.data();
        double[] scores = new double[w.length];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                scores[r * cols + j] = Math.abs(w[r * cols + j]) * norms[j];
            }
        }
        boolean[] zero = new boolean[w.length];
        SparsityPattern p = target.pattern();
        // the matrix's zeros spread over its rows, so that narrow rows still reach the target overall
        long total = p.unstructured() ? target.zerosAmong(w.length) : 0;
        for (int r = 0; r < rows; r++) {
            if (p.unstructured()) {
                Masks.lowestInRow(scores, cols, r, 0, cols, Masks.share(total, rows, r), zero);
            } else {
                for (int g = 0; g < cols; g += p.group()) {
                    Masks.lowestInGroup(scores, cols, r, g, p, zero);
                }
            }
        }
        float[] out = w.clone();
        for (int i = 0; i < out.length; i++) {
            if (zero[i]) {
                out[i] = 0f;
            }
        }
        return new Tensor(weight.shape().clone(), out);
    }
}
