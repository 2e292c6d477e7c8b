package dev.secateur.prune.engine;

import dev.secateur.model.DecoderWeights;
import dev.secateur.prune.plan.PruningPlan;
import java.util.Map;

/**
 * @param seconds wall time per stage (score, plan, compensate, apply)
 * @param peakActivationBytes the most calibration activation bytes held at once
 */
public record PruneOutcome(PruningPlan plan, DecoderWeights pruned, Map<String, Double> seconds, long peakActivationBytes,
        long parametersBefore, long parametersAfter) {
}
