package dev.secateur.prune.sparsity;

import java.util.List;

/** The weight-sparsity methods by name: they zero single weights of every linear layer, where the criteria remove whole units. */
public final class SparsityMethods {
    public static final List<String> NAMES = List.of("wanda", "sparsegpt");

    private SparsityMethods() {
    }

    public static boolean prunesWeights(String method) {
        return NAMES.contains(method);
    }

    public static WeightSparsityMethod byName(String name) {
        return switch (name == null ? "" : name) {
            case "wanda" -> new WandaMethod();
            case "sparsegpt" -> new SparseGptMethod();
            default -> throw new IllegalArgumentException("unknown sparsity method '" + name + "' (known: " + String.join(", ", NAMES) + ")");
        };
    }
}
