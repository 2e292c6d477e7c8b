package dev.secateur.serve.engine;

/**
 * @param temperature 0 means greedy
 * @param topP        1 disables nucleus filtering
 * @param topK        0 disables top-k filtering
 * @param seed        null for a random seed
 */
public record SamplingParams(int maxTokens, double temperature, double topP, int topK, Long seed) {

    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(maxTokens, 0, 1, 0, 0L);
    }

    public boolean isGreedy() {
        return temperature <= 0;
    }
}
