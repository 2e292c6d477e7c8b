package dev.secateur.runtime;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How to pick tokens. temperature ≤ 0 (or topK = 1) is greedy; otherwise logits are divided by temperature,
 * restricted to the topK most likely (0 = no limit), then to the smallest set whose probability reaches topP
 * (1 = no limit), and sampled with a generator seeded by {@code seed} (null = unseeded).
 *
 * @param minP             tokens less likely than minP × the most likely one's probability (after temperature)
 *                         are left out before top-k and top-p, as vLLM's min_p (0 = none)
 * @param presencePenalty  subtracted once from the logit of every token already generated (OpenAI's definition)
 * @param frequencyPenalty subtracted from a token's logit once per time it was generated
 * @param logprobs         report each emitted token's log-probability (a pass over the vocabulary per token)
 * @param topLogprobs      most likely alternatives to report at each step (0 = none)
 * @param stopTokenIds     tokens that end generation besides the model's EOS; they are not part of the output
 * @param logitBias        added to a token's logit before penalties and sampling (OpenAI's logit_bias)
 */
public record SamplingParams(int maxTokens, double temperature, int topK, double topP, double minP, Long seed,
                             double presencePenalty, double frequencyPenalty, boolean logprobs, int topLogprobs,
                             Set<Long> stopTokenIds, Map<Integer, Float> logitBias) {

    public SamplingParams {
        if (maxTokens < 0) {
            throw new IllegalArgumentException("maxTokens must be ≥ 0, got " + maxTokens);
        }
        if (topP <= 0 || topP > 1) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("minP must be in [0, 1], got " + minP);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be ≥ 0, got " + topK);
        }
        if (topLogprobs < 0) {
            throw new IllegalArgumentException("topLogprobs must be ≥ 0, got " + topLogprobs);
        }
        stopTokenIds = stopTokenIds == null ? Set.of() : Set.copyOf(stopTokenIds);
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
    }

    public static SamplingParams greedy(int maxTokens) {
        return sampled(maxTokens, 0, 0, 1, null);
    }

    public static SamplingParams sampled(int maxTokens, double temperature, int topK, double topP, Long seed) {
        return new SamplingParams(maxTokens, temperature, topK, topP, 0, seed, 0, 0, false, 0, Set.of(), Map.of());
    }

    public SamplingParams withStopTokens(Set<? extends Number> ids) {
        Set<Long> longs = ids.stream().map(Number::longValue).collect(Collectors.toUnmodifiableSet());
        return new SamplingParams(maxTokens, temperature, topK, topP, minP, seed, presencePenalty, frequencyPenalty, logprobs,
                topLogprobs, longs, logitBias);
    }

    public boolean isGreedy() {
        return temperature <= 0 || topK == 1;
    }

    public boolean penalised() {
        return presencePenalty != 0 || frequencyPenalty != 0;
    }
}
