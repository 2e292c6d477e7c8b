package dev.secateur.serve.generate;

import dev.secateur.serve.engine.Finish;

public record Choice(int index, String text, Finish finish, TokenLogprobs logprobs, int promptTokens,
                     int completionTokens) {
}
