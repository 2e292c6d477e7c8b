package dev.secateur.serve.engine;

import java.util.Set;

/**
 * @param temperature      0 means greedy
 * @param topP             1 disables nucleus filtering
 * @param topK             0 disables top-k filtering
 * @param seed             null for a random seed
 * @param presencePenalty  subtracted once from the logit of every token already generated (OpenAI's definition)
 * @param frequencyPenalty subtracted from a token's logit once per time it was generated
 * @param logprobs         report each emitted token's log-probability (computing it costs a pass over the vocabulary)
 * @param topLogprobs      most likely alternatives to report at each step (0 = none)
 * @param stopTokenIds     ids that end generation besides the model's EOS (a chat template's end of turn);
 *                         like EOS they are not emitted
 */
public record SamplingParams(int maxTokens, double temperature, double topP, int topK, Long seed,
                             double presencePenalty, double frequencyPenalty, boolean logprobs, int topLogprobs,
                             Set<Long> stopTokenIds) {

    public SamplingParams {
        stopTokenIds = stopTokenIds == null ? Set.of() : Set.copyOf(stopTokenIds);
    }

    public SamplingParams(int maxTokens, double temperature, double topP, int topK, Long seed) {
        this(maxTokens, temperature, topP, topK, seed, 0, 0, false, 0, Set.of());
    }

    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(maxTokens, 0, 1, 0, 0L);
    }

    public boolean isGreedy() {
        return temperature <= 0;
    }

    public boolean penalised() {
        return presencePenalty != 0 || frequencyPenalty != 0;
    }
}
