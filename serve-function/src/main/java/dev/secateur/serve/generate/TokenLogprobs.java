package dev.secateur.serve.generate;

import java.util.List;

/** The scored tokens of one choice, in order (echoed prompt tokens first); the APIs format them their way. */
public record TokenLogprobs(List<ScoredToken> tokens) {
}
