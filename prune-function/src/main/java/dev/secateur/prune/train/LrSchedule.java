package dev.secateur.prune.train;

/**
 * Linear warm-up from 0 to the peak over {@code warmup} steps, then a cosine decay to {@code minRatio × peak}
 * at {@code total} steps. Steps are 0-based: step 0 is the first update.
 */
public record LrSchedule(double peak, int warmup, int total, double minRatio) {

    public LrSchedule {
        if (!(peak > 0)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + peak);
        }
        if (total < 1 || warmup < 0) {
            throw new IllegalArgumentException("steps must be ≥ 1 and warm-up ≥ 0, got " + total + " and " + warmup);
        }
    }

    public double at(int step) {
        if (step < warmup) {
            return peak * (step + 1) / (warmup + 1);
        }
        int decaySteps = Math.max(1, total - warmup);
        double progress = Math.min(1.0, (double) (step - warmup) / decaySteps);
        double min = peak * minRatio;
        return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
