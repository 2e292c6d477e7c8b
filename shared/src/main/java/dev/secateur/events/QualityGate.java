package dev.secateur.events;

import java.util.Locale;

/**
 * Lets a request say "only serve the result if it is good enough"; a pruned model over the limit is
 * stored as rejected instead of published.
 *
 * @param maxPerplexityRatio largest acceptable pruned/dense perplexity, e.g. 1.2 for at most 20% worse
 */
public record QualityGate(Double maxPerplexityRatio) {

    void validate() {
        if (maxPerplexityRatio == null) {
            throw new RequestValidationException("qualityGate.maxPerplexityRatio", "is required when qualityGate is given");
        }
        // Below 1 would demand that pruning improves perplexity: almost surely a typo (0.2 for 1.2).
        if (!Double.isFinite(maxPerplexityRatio) || maxPerplexityRatio < 1.0) {
            throw new RequestValidationException("qualityGate.maxPerplexityRatio",
                    "must be a finite number >= 1.0, was " + maxPerplexityRatio);
        }
    }

    /**
     * @param summary the job's dense-vs-pruned figures, or null when it produced none
     * @param evalRequested whether the request named an eval text, to say why no perplexity was measured
     * @return why the result must not be served, or null when it passes
     */
    public String failure(BeforeAfter summary, boolean evalRequested) {
        Double ratio = summary == null ? null : summary.perplexityRatio();
        if (ratio == null) {
            return "quality gate maxPerplexityRatio " + maxPerplexityRatio + " could not be checked: the job measured no perplexity"
                    + (evalRequested ? "" : " (the request names no eval text)");
        }
        if (!(ratio <= maxPerplexityRatio)) {
            return String.format(Locale.ROOT, "perplexity ratio %.4f exceeds the quality gate's maximum %.4f", ratio, maxPerplexityRatio);
        }
        return null;
    }
}
