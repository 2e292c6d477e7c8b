package dev.secateur.prune.criterion;

import java.util.Arrays;
import java.util.List;

/**
 * Which of LLM-Pruner's Taylor estimates of the loss change ranks a unit (g = ∂L/∂W of the mean calibration NLL,
 * F the diagonal empirical Fisher): {@link #VECTOR} Σ_matrices |Σ g∘W|, {@link #ELEMENT} Σ |g∘W|,
 * {@link #SECOND_ORDER} Σ |g∘W − ½ F∘W²|, each over the unit's weights.
 */
public enum TaylorVariant {
    /** Σ over the unit's weight matrices of |Σ g∘W| over that matrix's part of the unit: the loss change of removing each part. */
    VECTOR("vector"),
    /** Σ |g∘W| over the unit's weights: the loss changes of removing each weight alone, summed. */
    ELEMENT("element"),
    /** Σ |g∘W − ½ F∘W²|: ELEMENT with the diagonal-Fisher second-order term, F from per-window gradients. */
    SECOND_ORDER("second-order");

    /** LLM-Pruner's own default (its first-order element-wise importance); the benchmark in docs/benchmarks/taylor-fusion.md backs it. */
    public static final TaylorVariant DEFAULT = ELEMENT;

    public static final List<String> NAMES = Arrays.stream(values()).map(TaylorVariant::json).toList();

    private final String json;

    TaylorVariant(String json) {
        this.json = json;
    }

    public String json() {
        return json;
    }

    /** Only the second-order estimate needs per-window gradients (their squares make the Fisher diagonal). */
    public boolean needsFisher() {
        return this == SECOND_ORDER;
    }

    /** The variant named {@code value}, the default for null; anything else fails naming the option. */
    public static TaylorVariant parse(String value) {
        if (value == null) {
            return DEFAULT;
        }
        for (TaylorVariant v : values()) {
            if (v.json.equals(value)) {
                return v;
            }
        }
        throw new IllegalArgumentException("taylor: must be one of " + String.join(", ", NAMES) + ", was '" + value + "'");
    }
}
