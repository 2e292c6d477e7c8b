package dev.secateur.prune.plan;

/**
 * One sampled (or chosen) mask over the structures a policy holds, true = kept; a structure the policy does not hold is
 * null (all kept).
 *
 * @param layers per decoder layer
 * @param ffn per layer, per FFN neuron
 * @param groups per layer, per KV group
 */
public record UnitMask(boolean[] layers, boolean[][] ffn, boolean[][] groups) {

    /** An FFN-only mask (null: the dense model). */
    public static UnitMask ofFfn(boolean[][] ffn) {
        return ffn == null ? null : new UnitMask(null, ffn, null);
    }

    public boolean keepsLayer(int l) {
        return layers == null || layers[l];
    }

    /** Variables in a fixed order (layers, then FFN neurons, then KV groups), as {@link PolicyGradient} takes them. */
    boolean[] flat() {
        int n = (layers == null ? 0 : layers.length) + count(ffn) + count(groups);
        boolean[] out = new boolean[n];
        int i = 0;
        if (layers != null) {
            System.arraycopy(layers, 0, out, 0, layers.length);
            i = layers.length;
        }
        for (boolean[][] part : new boolean[][][] {ffn, groups}) {
            if (part != null) {
                for (boolean[] row : part) {
                    System.arraycopy(row, 0, out, i, row.length);
                    i += row.length;
                }
            }
        }
        return out;
    }

    private static int count(boolean[][] x) {
        int n = 0;
        if (x != null) {
            for (boolean[] row : x) {
                n += row.length;
            }
        }
        return n;
    }
}
