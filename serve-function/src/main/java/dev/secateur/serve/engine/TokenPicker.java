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
    private final TokenConstraint constraint;
    private int generated;

    /** Greedy picks try this many best tokens one by one before masking the whole vocabulary. */
    private static final int GREEDY_TRIES = 32;

    TokenPicker(SamplingParams p, long[] eos, int maxPositions) {
        this(p, eos, maxPositions, null);
    }

    /** @param constraint the tokens the output may consist of, null for any */
    TokenPicker(SamplingParams p, long[] eos, int maxPositions, TokenConstraint constraint) {
        this.params = p;
        this.constraint = constraint;
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
        if (constraint != null && constraint.complete()) {
            return new Pick(-1, Float.NaN, null, Finish.STOP);
        }
        float[] scored = penalties.apply(logits);
        int token = constraint == null ? sampler.next(scored) : constrained(scored);
        if (token < 0 || stops.contains((long) token)) {
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
        if (constraint != null) {
            constraint.accept(token);
        }
        generated++;
        boolean last = generated >= params.maxTokens() || cacheLength >= maxPositions;
        return new Pick(token, lp, top, last ? Finish.LENGTH : null);
    }

    /**
     * The token drawn from the distribution restricted to what the constraint allows; -1 when it allows none. Greedy
     * looks at the best tokens in order first, since the model's own choice is usually allowed; sampling masks the
     * whole vocabulary, so top-k, top-p and min-p act on the allowed tokens as vLLM's guided decoding does.
     * Log-probabilities stay those of the unrestricted distribution.
     */
    private int constrained(float[] scored) {
        float[] masked = scored.clone();
        if (params.isGreedy()) {
            for (int i = 0; i < GREEDY_TRIES; i++) {
                int t = Sampler.argmax(masked);
                if (masked[t] == Float.NEGATIVE_INFINITY) {
                    return -1;
                }
                if (constraint.allows(t, stops.contains((long) t))) {
                    return t;
                }
                masked[t] = Float.NEGATIVE_INFINITY;
            }
        }
        constraint.mask(masked, stops);
        int t = Sampler.argmax(masked);
        if (masked[t] == Float.NEGATIVE_INFINITY) {
            return -1;
        }
        return params.isGreedy() ? t : sampler.next(masked);
    }

    int generated() {
        return generated;
    }
}
