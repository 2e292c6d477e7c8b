package dev.secateur.prune.plan;

import dev.secateur.events.Allocation;
import dev.secateur.prune.criterion.Structure;

/**
 * What to remove of one structure.
 *
 * @param ratio fraction of units to remove, in [0, 1) (for heads: of query heads, in whole KV groups)
 * @param threshold threshold mode when not null: remove while the removed unit's MI with what stays exceeds it
 *     (bits; MI criteria only); ratio is then an upper bound
 * @param minKeep the floor of kept units per layer under GLOBAL allocation, as a fraction (at least one unit)
 * @param keep units kept in every layer (a target shape's ffn=F, or its KV groups), or null for a ratio target
 */
public record Target(Structure structure, double ratio, Double threshold, Allocation allocation, double minKeep, Integer keep) {

    public Target(Structure structure, double ratio, Double threshold, Allocation allocation, double minKeep) {
        this(structure, ratio, threshold, allocation, minKeep, null);
    }

    /** The same count of units (KV groups for heads) kept in every layer. */
    public static Target keeping(Structure s, int units) {
        return new Target(s, 0, null, Allocation.UNIFORM, 0.05, units);
    }

    public Target {
        if (keep != null && keep < 1) {
            throw new IllegalArgumentException(structure + " must keep at least one unit per layer, got " + keep);
        }
        if (!(ratio >= 0 && ratio < 1)) {
            throw new IllegalArgumentException(structure + " ratio must be in [0, 1), got " + ratio);
        }
        if (!(minKeep >= 0 && minKeep < 1)) {
            throw new IllegalArgumentException("minKeep must be in [0, 1), got " + minKeep);
        }
        if (allocation == null) {
            allocation = Allocation.UNIFORM;
        }
    }

    public static Target uniform(Structure s, double ratio) {
        return new Target(s, ratio, null, Allocation.UNIFORM, 0.05);
    }
}
