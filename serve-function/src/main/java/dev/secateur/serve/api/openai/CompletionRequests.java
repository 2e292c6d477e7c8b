package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.generate.CompletionSpec;
import dev.secateur.serve.generate.InvalidRequestException;
import dev.secateur.serve.generate.Prompt;
import dev.secateur.serve.structured.OutputFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Checks what can be checked of a /v1/completions body without the model, with OpenAI's defaults and limits. */
final class CompletionRequests {

    static final int DEFAULT_MAX_TOKENS = 16;
    static final int MAX_LOGPROBS = 5;

    private CompletionRequests() {
    }

    static CompletionSpec toSpec(CompletionRequest r, int maxTokensCap, int maxN) {
        if (r.model() == null || r.model().isBlank()) {
            throw new InvalidRequestException("model is required", "model");
        }
        if (r.suffix() != null && !r.suffix().isNull() && !(r.suffix().isTextual() && r.suffix().textValue().isEmpty())) {
            throw new InvalidRequestException("suffix is not supported: these models only continue a prompt, they do "
                    + "not fill in between a prompt and a suffix", "suffix");
        }
        List<Prompt> prompts = prompts(r.prompt());
        int maxTokens = SamplingChecks.maxTokens(r.maxTokens() == null ? DEFAULT_MAX_TOKENS : r.maxTokens(),
                maxTokensCap, "max_tokens");
        int n = SamplingChecks.n(r.n(), maxN);
        if (r.bestOf() != null && r.bestOf() != n) {
            throw new InvalidRequestException("best_of is not supported (only best_of = n, which returns every choice)",
                    "best_of");
        }
        Integer logprobs = r.logprobs();
        if (logprobs != null && (logprobs < 0 || logprobs > MAX_LOGPROBS)) {
            throw new InvalidRequestException("logprobs must be between 0 and " + MAX_LOGPROBS, "logprobs");
        }
        return new CompletionSpec(prompts, maxTokens, false, SamplingChecks.temperature(r.temperature()),
                SamplingChecks.topP(r.topP()), SamplingChecks.topK(r.topK()), SamplingChecks.minP(r.minP()), n,
                SamplingChecks.stop(r.stop()), r.seed(), logprobs,
                Boolean.TRUE.equals(r.echo()), SamplingChecks.penalty(r.presencePenalty(), "presence_penalty"),
                SamplingChecks.penalty(r.frequencyPenalty(), "frequency_penalty"), Set.of(),
                SamplingChecks.logitBias(r.logitBias()),
                OutputFormat.parse(r.responseFormat(), "response_format", "json_schema"));
    }

    /** A string, an array of strings, an array of token ids, or an array of token-id arrays. */
    static List<Prompt> prompts(JsonNode node) {
        List<Prompt> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            throw new InvalidRequestException("prompt is required", "prompt");
        }
        if (node.isTextual()) {
            out.add(text(node));
        } else if (node.isArray() && node.size() > 0 && node.get(0).isIntegralNumber()) {
            out.add(Prompt.ids(ids(node)));
        } else if (node.isArray() && node.size() > 0) {
            for (JsonNode item : node) {
                if (item.isTextual()) {
                    out.add(text(item));
                } else if (item.isArray() && item.size() > 0) {
                    out.add(Prompt.ids(ids(item)));
                } else {
                    throw invalidPrompt();
                }
            }
        } else {
            throw invalidPrompt();
        }
        return out;
    }

    private static Prompt text(JsonNode node) {
        if (node.textValue().isEmpty()) {
            throw new InvalidRequestException("prompt must not be empty", "prompt");
        }
        return Prompt.text(node.textValue());
    }

    private static long[] ids(JsonNode array) {
        long[] ids = new long[array.size()];
        for (int i = 0; i < ids.length; i++) {
            if (!array.get(i).isIntegralNumber()) {
                throw invalidPrompt();
            }
            ids[i] = array.get(i).longValue();
        }
        return ids;
    }

    private static InvalidRequestException invalidPrompt() {
        return new InvalidRequestException("prompt must be a string, an array of strings, an array of token ids "
                + "or an array of token-id arrays, none of them empty", "prompt");
    }
}
