package dev.secateur.serve.generate;

import java.util.List;

/** OpenAI legacy logprobs: one entry per token; a null logprob where there is none (first echoed token). */
public record TokenLogprobs(List<String> tokens, List<Float> tokenLogprobs, List<Integer> textOffset) {
}
