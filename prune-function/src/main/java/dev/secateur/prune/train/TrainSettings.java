package dev.secateur.prune.train;

/**
 * Hyper-parameters of one training run.
 *
 * @param warmup linear warm-up steps before the cosine decay
 * @param minLrRatio the cosine ends at this fraction of the peak learning rate
 * @param clipNorm global gradient-norm limit (≤ 0: no clipping)
 * @param checkpointEvery write a checkpoint every this many steps (≤ 0: only at the end)
 * @param logEvery report progress every this many steps
 */
public record TrainSettings(int seqLen, int batch, int steps, double lr, int warmup, double minLrRatio,
        double weightDecay, double beta1, double beta2, double eps, double clipNorm, long seed,
        int checkpointEvery, int logEvery) {

    public TrainSettings {
        if (seqLen < 1 || batch < 1 || steps < 1) {
            throw new IllegalArgumentException("--seq-len, --batch and --steps must be ≥ 1 (got " + seqLen + ", "
                    + batch + ", " + steps + ")");
        }
        if (!(lr > 0)) {
            throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        }
    }

    /** Defaults for the given sizes: AdamW(0.9, 0.95, 1e-8), weight decay 0.1, clip 1.0, 10% min LR, 5% warm-up. */
    public static TrainSettings of(int seqLen, int batch, int steps, double lr, long seed, int checkpointEvery) {
        return new TrainSettings(seqLen, batch, steps, lr, Math.max(1, Math.min(200, steps / 20)), 0.1, 0.1, 0.9, 0.95,
                1e-8, 1.0, seed, checkpointEvery, 10);
    }

    public TrainSettings withLogEvery(int n) {
        return new TrainSettings(seqLen, batch, steps, lr, warmup, minLrRatio, weightDecay, beta1, beta2, eps, clipNorm,
                seed, checkpointEvery, n);
    }

    public TrainSettings withWarmup(int n) {
        return new TrainSettings(seqLen, batch, steps, lr, n, minLrRatio, weightDecay, beta1, beta2, eps, clipNorm,
                seed, checkpointEvery, logEvery);
    }

    public TrainSettings withWeightDecay(double wd) {
        return new TrainSettings(seqLen, batch, steps, lr, warmup, minLrRatio, wd, beta1, beta2, eps, clipNorm,
                seed, checkpointEvery, logEvery);
    }

    public LrSchedule schedule() {
        return new LrSchedule(lr, warmup, steps, minLrRatio);
    }
}
