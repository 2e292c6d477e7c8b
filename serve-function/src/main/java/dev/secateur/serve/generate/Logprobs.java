package dev.secateur.serve.generate;

import dev.secateur.serve.engine.Alternatives;
import dev.secateur.serve.engine.LogSoftmax;
import dev.secateur.serve.engine.TextCodec;
import dev.secateur.serve.model.ModelHandle;
import java.util.ArrayList;
import java.util.List;

/** Scores a choice's tokens; echoed prompt tokens are scored with one full forward pass over the prompt. */
final class Logprobs {

    private Logprobs() {
    }

    /**
     * @param top                 alternatives per token (0 = none)
     * @param generatedTextLength length of the choice's generated text (after a stop sequence cut it)
     */
    static TokenLogprobs of(ModelHandle model, long[] prompt, boolean echo, List<Long> generated, float[] lps,
                            List<Alternatives> alternatives, int top, int generatedTextLength, int echoLength) {
        TextCodec codec = model.model().codec();
        List<ScoredToken> tokens = new ArrayList<>();
        int offset = 0;
        if (echo) {
            LogSoftmax[] rows = promptDistributions(model, prompt);
            for (int i = 0; i < prompt.length; i++) {
                String t = codec.decode(new long[] {prompt[i]});
                LogSoftmax row = i == 0 ? null : rows[i - 1];
                tokens.add(new ScoredToken(t, row == null ? null : row.at((int) prompt[i]), Math.min(offset, echoLength),
                        row == null || top == 0 ? List.of() : named(codec, row.top(top))));
                offset += t.length();
            }
            offset = echoLength;
        }
        int end = echoLength + generatedTextLength;
        for (int i = 0; i < generated.size(); i++) {
            String t = codec.decode(new long[] {generated.get(i)});
            List<ScoredToken.Alternative> alts = top == 0 || i >= alternatives.size() ? List.of()
                    : named(codec, alternatives.get(i));
            tokens.add(new ScoredToken(t, i < lps.length ? lps[i] : null, Math.min(offset, end), alts));
            offset += t.length();
        }
        return new TokenLogprobs(tokens);
    }

    private static List<ScoredToken.Alternative> named(TextCodec codec, Alternatives a) {
        List<ScoredToken.Alternative> out = new ArrayList<>(a.ids().length);
        for (int j = 0; j < a.ids().length; j++) {
            out.add(new ScoredToken.Alternative(codec.decode(new long[] {a.ids()[j]}), a.logprobs()[j]));
        }
        return out;
    }

    /** Row t predicts token t + 1. */
    private static LogSoftmax[] promptDistributions(ModelHandle model, long[] prompt) {
        float[][] logits = model.model().engine().logits(new long[][] {prompt})[0];
        LogSoftmax[] out = new LogSoftmax[logits.length];
        for (int t = 0; t < logits.length; t++) {
            out[t] = new LogSoftmax(logits[t]);
        }
        return out;
    }
}
