package dev.secateur.prune.compensate;

import ai.djl.ndarray.NDManager;
import java.util.List;

/** Compensation by name: none | bias | lsq. */
public final class Compensators {
    public static final List<String> NAMES = List.of("none", "bias", "lsq");

    private Compensators() {
    }

    /** @param sites where the written checkpoint can hold a bias ({@link BiasSites#of}) */
    public static Compensator byName(String name, NDManager manager, double ridge, BiasSites sites) {
        return switch (name == null ? "" : name) {
            case "none" -> Compensator.NONE;
            case "bias" -> new BiasCompensation(sites);
            case "lsq" -> new LeastSquaresCompensation(manager, ridge, sites);
            default -> throw new IllegalArgumentException("unknown compensation '" + name + "' (known: " + String.join(", ", NAMES) + ")");
        };
    }

    /** Output columns of the kept units: FFN neurons as they are, heads expanded to headDim columns each. */
    static int[] headColumns(int[] keptHeads, int headDim) {
        int[] cols = new int[keptHeads.length * headDim];
        for (int i = 0; i < keptHeads.length; i++) {
            for (int j = 0; j < headDim; j++) {
                cols[i * headDim + j] = keptHeads[i] * headDim + j;
            }
        }
        return cols;
    }
}
