package dev.secateur.prune.engine;

import dev.secateur.embedding.Fidelity;

/**
 * Before/after on the evaluation inputs, in the terms of the model's kind: perplexity and next-token agreement for a
 * decoder, sentence-embedding fidelity (mean cosine to the dense embeddings, recall@1) for an encoder. Exactly one is set.
 */
record Evaluation(EvalOutcome languageModel, Fidelity embeddings) {
    static Evaluation of(EvalOutcome lm) {
        return new Evaluation(lm, null);
    }

    static Evaluation of(Fidelity f) {
        return new Evaluation(null, f);
    }
}
