package dev.secateur.serve.generate;

import java.util.List;

/**
 * A validated completion request.
 *
 * @param logprobs null for none; otherwise how many alternatives per token were asked (only the chosen
 *                 token is reported)
 */
public record CompletionSpec(List<String> prompts, int maxTokens, double temperature, double topP, int n,
                             List<String> stop, Long seed, Integer logprobs, boolean echo) {
}
