package dev.secateur.runtime;

import java.util.Set;

/**
 * How to pick tokens. temperature ≤ 0 (or topK = 1) is greedy; otherwise logits are divided by temperature,
 * restricted to the topK most likely (0 = no limit), then to the smallest set whose probability reaches topP
 * (1 = no limit), and sampled with a generator seeded by {@code seed} (null = unseeded).
 *
 * @param stopTokenIds tokens that end generation; they are not part of the output
 */
public record SamplingParams(int maxTokens, double temperature, int topK, double topP, Long seed, Set<Integer> stopTokenIds) {

    public SamplingParams {
        if (maxTokens < 0) {
            throw new IllegalArgumentException("maxTokens must be ≥ 0, got " + maxTokens);
        }
        if (topP <= 0 || topP > 1) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be ≥ 0, got " + topK);
        }
        stopTokenIds = stopTokenIds == null ? Set.of() : Set.copyOf(stopTokenIds);
    }

    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(maxTokens, 0, 0, 1, null, Set.of());
    }

    public static SamplingParams sampled(int maxTokens, double temperature, int topK, double topP, Long seed) {
        return new SamplingParams(maxTokens, temperature, topK, topP, seed, Set.of());
    }

    public SamplingParams withStopTokens(Set<Integer> ids) {
        return new SamplingParams(maxTokens, temperature, topK, topP, seed, ids);
    }

    public boolean isGreedy() {
        return temperature <= 0 || topK == 1;
    }
}
