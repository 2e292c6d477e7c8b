package dev.secateur.prune.engine;

/** Which hidden states calibrate block i + 1. */
public enum CalibrationMode {
    /** The output of the already pruned (and compensated) block i, as SparseGPT and Wanda calibrate: later blocks see the errors of earlier cuts. */
    SEQUENTIAL,
    /** The output of the dense block i: one pass of the dense model calibrates every block, as if each were pruned alone. */
    DENSE;

    public static CalibrationMode parse(String s) {
        return switch (s == null ? "" : s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "sequential" -> SEQUENTIAL;
            case "dense", "dense-input" -> DENSE;
            default -> throw new IllegalArgumentException("unknown calibration mode '" + s + "' (use sequential or dense)");
        };
    }
}
