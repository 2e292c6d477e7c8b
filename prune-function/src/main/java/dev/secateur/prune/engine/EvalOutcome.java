package dev.secateur.prune.engine;

import dev.secateur.prune.eval.Agreement;

/** Before/after figures on the evaluation windows, both models read block by block in the same pass. */
public record EvalOutcome(double perplexityBefore, double perplexityAfter, Agreement agreement, long tokens, int windows) {
}
