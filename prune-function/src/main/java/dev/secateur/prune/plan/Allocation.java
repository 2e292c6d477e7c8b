package dev.secateur.prune.plan;

/** How removals are spread over layers. */
public enum Allocation {
    /** The same fraction of every layer. */
    UNIFORM,
    /** One ranking over per-layer normalised (z-scored) costs, with a floor of kept units per layer (FLAP style). */
    GLOBAL;

    public static Allocation parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown allocation '" + s + "' (known: uniform, global)");
        }
    }
}
