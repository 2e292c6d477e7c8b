package dev.secateur.prune.train;

import java.util.Locale;

/** One progress report: after {@code step} of {@code steps} updates. */
public record Progress(int step, int steps, double loss, double lr, double gradNorm, double tokensPerSecond,
        double etaSeconds) {

    public String line() {
        return String.format(Locale.ROOT, "step %d/%d  loss %.4f  lr %.3e  grad-norm %.3f  %.0f tokens/s  eta %s",
                step, steps, loss, lr, gradNorm, tokensPerSecond, duration(etaSeconds));
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
