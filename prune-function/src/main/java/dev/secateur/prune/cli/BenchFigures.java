package dev.secateur.prune.cli;

import java.util.Arrays;

/** The summary figures the bench commands print. */
final class BenchFigures {

    private BenchFigures() {
    }

    /** The middle value (the upper one of the two for an even count). */
    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static double round(double v, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(v * scale) / scale;
    }
}
