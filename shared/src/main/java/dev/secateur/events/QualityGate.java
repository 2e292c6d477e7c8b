package dev.secateur.events;

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
}
