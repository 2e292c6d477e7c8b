package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.secateur.serve.generate.CompletionResult;

/** Token counts of a completion or chat completion. */
public record Usage(@JsonProperty("prompt_tokens") int promptTokens,
                    @JsonProperty("completion_tokens") int completionTokens,
                    @JsonProperty("total_tokens") int totalTokens) {

    static Usage of(CompletionResult r) {
        return new Usage(r.promptTokens(), r.completionTokens(), r.promptTokens() + r.completionTokens());
    }
}
