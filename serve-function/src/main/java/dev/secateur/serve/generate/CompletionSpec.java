package dev.secateur.serve.generate;

import dev.secateur.serve.structured.OutputFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated completion request (legacy completions, or a chat rendered to its prompt).
 *
 * @param maxTokens     tokens to generate at most per choice
 * @param fitToContext  true when the client gave no limit (chat): maxTokens is then lowered to what the
 *                      context leaves after the prompt, instead of refusing the request
 * @param topK          vLLM's top_k: the k most likely tokens only (0 = no limit)
 * @param minP          vLLM's min_p (0 = none)
 * @param logprobs      null for none; otherwise how many alternatives to report per token (0 = only the chosen one)
 * @param stopTokenIds  token ids that end a choice besides the model's EOS (a chat template's end of turn)
 * @param logitBias     token id to the bias added to its logit (ids not yet checked against a vocabulary)
 * @param format        structured output (JSON mode or a schema) the tokens are constrained to; null for free text
 */
public record CompletionSpec(List<Prompt> prompts, int maxTokens, boolean fitToContext, double temperature,
                             double topP, int topK, double minP, int n, List<String> stop, Long seed, Integer logprobs, boolean echo,
                             double presencePenalty, double frequencyPenalty, Set<Long> stopTokenIds,
                             Map<Integer, Float> logitBias, OutputFormat format) {

    /** The same sampling for one prompt and these stop tokens (a chat rendered once the model is known). */
    public CompletionSpec withPrompt(Prompt prompt, Set<Long> stopIds) {
        return new CompletionSpec(List.of(prompt), maxTokens, fitToContext, temperature, topP, topK, minP, n, stop, seed, logprobs,
                echo, presencePenalty, frequencyPenalty, stopIds, logitBias, format);
    }

    /** The same sampling constrained to another format (a forced tool call's, which replaces response_format). */
    public CompletionSpec withFormat(OutputFormat other) {
        return new CompletionSpec(prompts, maxTokens, fitToContext, temperature, topP, topK, minP, n, stop, seed, logprobs,
                echo, presencePenalty, frequencyPenalty, stopTokenIds, logitBias, other);
    }
}
