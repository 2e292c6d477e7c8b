package dev.secateur.model;

import dev.secateur.checkpoint.Tensor;

/**
 * q, k and v fused in one projection group by group: each group holds its query heads, then its key head, then its
 * value head, head_dim rows each. InternLM2's wqkv groups by key/value head; GPT-NeoX's query_key_value is the same
 * layout with one query head per group. A bias is the same with rows of width 1.
 */
final class GroupedQkv {
    private GroupedQkv() {
    }

    /** Heads [first, first + count) of every group of perGroup + 2 heads, group after group. */
    static Tensor part(Tensor fused, int headDim, int groups, int perGroup, int first, int count) {
        int width = fused.shape().length == 2 ? fused.dim(1) : 1, block = headDim * width;
        float[] src = fused.data(), out = new float[groups * count * block];
        for (int g = 0; g < groups; g++) {
            System.arraycopy(src, (g * (perGroup + 2) + first) * block, out, g * count * block, count * block);
        }
        int rows = groups * count * headDim;
        return new Tensor(fused.shape().length == 2 ? new int[] {rows, width} : new int[] {rows}, out);
    }

    static Tensor queries(Tensor fused, int headDim, int groups, int perGroup) {
        return part(fused, headDim, groups, perGroup, 0, perGroup);
    }

    static Tensor keys(Tensor fused, int headDim, int groups, int perGroup) {
        return part(fused, headDim, groups, perGroup, perGroup, 1);
    }

    static Tensor values(Tensor fused, int headDim, int groups, int perGroup) {
        return part(fused, headDim, groups, perGroup, perGroup + 1, 1);
    }

    /** q ([groups·perGroup·d, …]), k and v ([groups·d, …]) fused again. */
    static Tensor join(Tensor q, Tensor k, Tensor v, int headDim) {
        int width = q.shape().length == 2 ? q.dim(1) : 1, block = headDim * width;
        int groups = k.dim(0) / headDim, perGroup = q.dim(0) / headDim / groups;
        float[] out = new float[groups * (perGroup + 2) * block];
        for (int g = 0; g < groups; g++) {
            int at = g * (perGroup + 2) * block;
            System.arraycopy(q.data(), g * perGroup * block, out, at, perGroup * block);
            System.arraycopy(k.data(), g * block, out, at + perGroup * block, block);
            System.arraycopy(v.data(), g * block, out, at + (perGroup + 1) * block, block);
        }
        int rows = groups * (perGroup + 2) * headDim;
        return new Tensor(q.shape().length == 2 ? new int[] {rows, width} : new int[] {rows}, out);
    }
}
