package dev.secateur.serve.generate;

import java.util.List;

/**
 * One token of a choice with its log-probability and the most likely alternatives at its step.
 *
 * @param logprob null where there is none (the first echoed prompt token)
 * @param offset  where the token's text starts in the choice's text
 */
public record ScoredToken(String text, Float logprob, int offset, List<Alternative> top) {

    public record Alternative(String text, float logprob) {
    }
}
