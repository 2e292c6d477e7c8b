package dev.secateur.prune.plan;

/**
 * Kept units of one block, ascending original indices.
 *
 * @param keptHeads query heads kept (whole KV groups), derived from keptKvGroups
 */
public record LayerPlan(int layer, int[] keptFfn, int[] keptKvGroups, int[] keptHeads) {

    public static LayerPlan dense(int layer, int ffn, int heads, int kvHeads) {
        return new LayerPlan(layer, range(ffn), range(kvHeads), range(heads));
    }

    public LayerPlan withFfn(int[] kept) {
        return new LayerPlan(layer, kept, keptKvGroups, keptHeads);
    }

    public LayerPlan withKvGroups(int[] keptGroups, int groupSize) {
        int[] heads = new int[keptGroups.length * groupSize];
        for (int i = 0; i < keptGroups.length; i++) {
            for (int j = 0; j < groupSize; j++) {
                heads[i * groupSize + j] = keptGroups[i] * groupSize + j;
            }
        }
        return new LayerPlan(layer, keptFfn, keptGroups, heads);
    }

    static int[] range(int n) {
        int[] r = new int[n];
        java.util.Arrays.setAll(r, i -> i);
        return r;
    }
}
