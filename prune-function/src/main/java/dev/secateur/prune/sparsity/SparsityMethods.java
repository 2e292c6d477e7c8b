package dev.secateur.prune.sparsity;

import ai.djl.ndarray.NDManager;
import java.util.List;

/** The weight-sparsity methods by name: they zero single weights of every linear layer, where the criteria remove whole units. */
public final class SparsityMethods {
    public static final List<String> NAMES = List.of("wanda", "sparsegpt", "sparsellm");

    private SparsityMethods() {
    }

    public static boolean prunesWeights(String method) {
        return NAMES.contains(method);
    }

    /** The engine step for a method: wanda and sparsegpt per matrix; sparsellm couples each gated FFN, SparseGPT for attention. */
    public static WeightSparsifier sparsifier(String name, SparsityTarget target, NDManager manager) {
        return switch (name == null ? "" : name) {
            case "wanda" -> new WeightSparsifier(new WandaMethod(), target, manager);
            case "sparsegpt" -> new WeightSparsifier(new SparseGptMethod(), target, manager);
            case "sparsellm" -> new WeightSparsifier("sparsellm", new SparseGptMethod(), new SparseLlmFfn(), target, manager);
            default -> throw new IllegalArgumentException("unknown sparsity method '" + name + "' (known: " + String.join(", ", NAMES) + ")");
        };
    }
}
