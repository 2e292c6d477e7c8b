package dev.secateur.runtime;

import java.util.List;

/**
 * Generated tokens with the log-probability of each under the model (before temperature/top-k/top-p).
 *
 * @param finishReason "stop" (stop token or the callback said stop) or "length" (maxTokens or the context is full)
 */
public record GenerationResult(int promptTokens, List<Integer> tokens, List<Double> logprobs, String finishReason) {
    public static final String STOP = "stop";
    public static final String LENGTH = "length";
}
