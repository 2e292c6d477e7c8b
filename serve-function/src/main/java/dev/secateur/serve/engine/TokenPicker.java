package dev.secateur.serve.engine;

import dev.secateur.runtime.SamplingParams;
import dev.secateur.runtime.Sampler;
import java.util.HashSet;
import java.util.Set;

/**
 * What one sequence does with the logits of each step: penalties, sampling, stop tokens, log-probabilities and
 * the length limits. The same object drives a sequence decoded alone or as one row of a batch, which is why the
 * two give the same tokens.
 */
final class TokenPicker {

    /**
     * @param token   the chosen token, or -1 when a stop token ended the sequence (stop tokens are not emitted)
     * @param logprob its log-probability, NaN when not asked for
     * @param top     the most likely alternatives, null when not asked for
     * @param finish  null while the sequence goes on; set when this pick is its last
     */
    record Pick(int token, float logprob, Alternatives top, Finish finish) {
        boolean emits() {
            return token >= 0;
        }
    }

    private final SamplingParams params;
    private final int maxPositions;
    private final Set<Long> stops = new HashSet<>();
    private final Sampler sampler;
    private final Penalties penalties;
    private int generated;

    TokenPicker(SamplingParams p, long[] eos, int maxPositions) {
        this.params = p;
        this.maxPositions = maxPositions;
        stops.addAll(p.stopTokenIds());
        for (long e : eos) {
            stops.add(e);
        }
        this.sampler = new Sampler(p);
        this.penalties = new Penalties(p.presencePenalty(), p.frequencyPenalty(), p.logitBias());
    }

    /**
     * @param cacheLength tokens in the sequence's cache when these logits were computed (prompt + tokens fed)
     */
    Pick pick(float[] logits, int cacheLength) {
        float[] scored = penalties.apply(logits);
        int token = sampler.next(scored);
        if (stops.contains((long) token)) {
            return new Pick(-1, Float.NaN, null, Finish.STOP);
        }
        float lp = Float.NaN;
        Alternatives top = null;
        if (params.logprobs() || params.topLogprobs() > 0) {
            LogSoftmax dist = new LogSoftmax(scored);
            lp = dist.at(token);
            top = params.topLogprobs() > 0 ? dist.top(params.topLogprobs()) : null;
        }
        penalties.generated(token);
        generated++;
        boolean last = generated >= params.maxTokens() || cacheLength >= maxPositions;
        return new Pick(token, lp, top, last ? Finish.LENGTH : null);
    }

    int generated() {
        return generated;
    }
}
