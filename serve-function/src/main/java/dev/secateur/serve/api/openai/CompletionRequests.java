package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.generate.CompletionSpec;
import dev.secateur.serve.generate.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/** Checks what can be checked without the model, with OpenAI's defaults and limits. */
final class CompletionRequests {

    static final int DEFAULT_MAX_TOKENS = 16;
    static final int MAX_STOPS = 4;
    static final int MAX_LOGPROBS = 5;

    private CompletionRequests() {
    }

    static CompletionSpec toSpec(CompletionRequest r, int maxTokensCap, int maxN) {
        if (r == null) {
            throw new InvalidRequestException("request body is required", null);
        }
        if (r.model() == null || r.model().isBlank()) {
            throw new InvalidRequestException("model is required", "model");
        }
        List<String> prompts = strings(r.prompt(), "prompt", true);
        if (prompts.isEmpty()) {
            throw new InvalidRequestException("prompt is required", "prompt");
        }
        for (String p : prompts) {
            if (p.isEmpty()) {
                throw new InvalidRequestException("prompt must not be empty", "prompt");
            }
        }
        int maxTokens = r.maxTokens() == null ? DEFAULT_MAX_TOKENS : r.maxTokens();
        if (maxTokens < 0 || maxTokens > maxTokensCap) {
            throw new InvalidRequestException("max_tokens must be between 0 and " + maxTokensCap + ", was " + maxTokens,
                    "max_tokens");
        }
        double temperature = r.temperature() == null ? 1.0 : r.temperature();
        if (!(temperature >= 0 && temperature <= 2)) {
            throw new InvalidRequestException("temperature must be between 0 and 2, was " + temperature, "temperature");
        }
        double topP = r.topP() == null ? 1.0 : r.topP();
        if (!(topP > 0 && topP <= 1)) {
            throw new InvalidRequestException("top_p must be in (0, 1], was " + topP, "top_p");
        }
        int n = r.n() == null ? 1 : r.n();
        if (n < 1 || n > maxN) {
            throw new InvalidRequestException("n must be between 1 and " + maxN + ", was " + n, "n");
        }
        List<String> stop = strings(r.stop(), "stop", false);
        if (stop.size() > MAX_STOPS) {
            throw new InvalidRequestException("at most " + MAX_STOPS + " stop sequences", "stop");
        }
        Integer logprobs = r.logprobs();
        if (logprobs != null && (logprobs < 0 || logprobs > MAX_LOGPROBS)) {
            throw new InvalidRequestException("logprobs must be between 0 and " + MAX_LOGPROBS, "logprobs");
        }
        return new CompletionSpec(prompts, maxTokens, temperature, topP, n, stop, r.seed(), logprobs,
                Boolean.TRUE.equals(r.echo()));
    }

    /** A string, an array of strings, or absent/null (empty list). */
    private static List<String> strings(JsonNode node, String param, boolean required) {
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (node.isTextual()) {
            out.add(node.textValue());
            return out;
        }
        if (node.isArray() && node.size() > 0) {
            for (JsonNode item : node) {
                if (!item.isTextual()) {
                    throw new InvalidRequestException(param + " must be a string or an array of strings", param);
                }
                out.add(item.textValue());
            }
            return out;
        }
        if (node.isArray() && !required) {
            return out;
        }
        throw new InvalidRequestException(param + " must be a string or a non-empty array of strings", param);
    }
}
