package dev.secateur.prune.service;

import dev.secateur.events.BeforeAfter;
import dev.secateur.events.PruneRequest;

/** The request's quality gate: a pruned version whose perplexity rose too far is stored as rejected, never served. */
final class QualityGate {
    private QualityGate() {
    }

    /** @return why the result must not be served, or null when it passes (or the request has no gate) */
    static String failure(PruneRequest request, BeforeAfter summary) {
        if (request.qualityGate() == null) {
            return null;
        }
        double max = request.qualityGate().maxPerplexityRatio();
        Double ratio = summary == null ? null : summary.perplexityRatio();
        if (ratio == null) {
            return "quality gate maxPerplexityRatio " + max + " could not be checked: the job measured no perplexity"
                    + (request.eval() == null ? " (the request names no eval text)" : "");
        }
        if (!(ratio <= max)) {
            return String.format(java.util.Locale.ROOT, "perplexity ratio %.4f exceeds the quality gate's maximum %.4f", ratio, max);
        }
        return null;
    }
}
