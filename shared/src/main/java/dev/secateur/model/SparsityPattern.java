package dev.secateur.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the zeros of a sparse weight matrix may fall: anywhere ({@link #UNSTRUCTURED}), or N:M, i.e. at most
 * {@code kept} non-zeros in every group of {@code group} consecutive inputs of each output row (NVIDIA's 2:4 is
 * kept = 2, group = 4). Groups start at input 0, so an N:M matrix needs an input width divisible by {@code group}.
 *
 * @param kept non-zeros per group; 0 for unstructured
 * @param group group size M; 0 for unstructured
 */
public record SparsityPattern(int kept, int group) {
    public static final SparsityPattern UNSTRUCTURED = new SparsityPattern(0, 0);
    private static final Pattern N_OF_M = Pattern.compile("(\\d+):(\\d+)");

    public SparsityPattern {
        if (!(kept == 0 && group == 0) && !(kept >= 1 && kept < group)) {
            throw new IllegalArgumentException("pattern " + kept + ":" + group + " must keep at least 1 and fewer than all of each group");
        }
    }

    /** "unstructured" or "N:M" (e.g. "2:4", "4:8"). */
    public static SparsityPattern parse(String text) {
        if (text == null || text.equals("unstructured")) {
            return UNSTRUCTURED;
        }
        Matcher m = N_OF_M.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("pattern must be 'unstructured' or N:M such as 2:4 or 4:8, was '" + text + "'");
        }
        int n = Integer.parseInt(m.group(1)), g = Integer.parseInt(m.group(2));
        if (n < 1 || n >= g) {
            throw new IllegalArgumentException("pattern " + text + " must keep at least 1 and fewer than all of each group of " + g);
        }
        return new SparsityPattern(n, g);
    }

    public boolean unstructured() {
        return group == 0;
    }

    /** The fraction of zeros an N:M pattern fixes, (M − N) / M; NaN when unstructured (any sparsity goes). */
    public double impliedSparsity() {
        return unstructured() ? Double.NaN : (double) (group - kept) / group;
    }

    /** The error for a matrix whose input width the groups cannot tile, or null when it fits. */
    public String widthProblem(int inputs, String matrix) {
        if (unstructured() || inputs % group == 0) {
            return null;
        }
        return "pattern " + this + " needs every linear layer's input width divisible by " + group + ", but " + matrix + " has "
                + inputs + " inputs";
    }

    @Override
    public String toString() {
        return unstructured() ? "unstructured" : kept + ":" + group;
    }
}
