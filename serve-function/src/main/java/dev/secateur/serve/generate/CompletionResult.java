package dev.secateur.serve.generate;

import java.util.List;

public record CompletionResult(List<Choice> choices, GenerationStats stats) {
    public int promptTokens() {
        return stats.promptTokens();
    }

    public int completionTokens() {
        return stats.completionTokens();
    }
}
