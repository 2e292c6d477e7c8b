package dev.secateur.serve.generate;

import dev.secateur.serve.engine.Alternatives;
import dev.secateur.serve.engine.LoadedModel;
import dev.secateur.serve.engine.LogSoftmax;
import dev.secateur.serve.engine.TextCodec;
import dev.secateur.serve.model.ModelHandle;
import java.util.ArrayList;
import java.util.List;

/** Scores echoed prompt tokens (one full forward pass over the prompt) and names alternatives. */
final class Logprobs {

    private Logprobs() {
    }

    /**
     * The prompt's tokens as echoed: each with its log-probability given the tokens before it and, when asked,
     * its top alternatives; the first token has none. The first {@code addedInFront} tokens are not in the echoed
     * text, so they sit at offset 0 and move no offset.
     */
    static List<ScoredToken> echoed(ModelHandle model, long[] prompt, int addedInFront, int top, int echoLength) {
        LoadedModel.Decoder decoder = model.model().decoder(model.name());
        TextCodec codec = decoder.codec();
        float[][] logits = decoder.generator().logits(new long[][] {prompt})[0];
        List<ScoredToken> tokens = new ArrayList<>();
        int offset = 0;
        for (int i = 0; i < prompt.length; i++) {
            String t = codec.decode(new long[] {prompt[i]});
            // Row i - 1 predicts token i.
            LogSoftmax row = i == 0 ? null : new LogSoftmax(logits[i - 1]);
            tokens.add(new ScoredToken(t, row == null ? null : row.at((int) prompt[i]), Math.min(offset, echoLength),
                    row == null || top == 0 ? List.of() : named(codec, row.top(top))));
            if (i >= addedInFront) {
                offset += t.length();
            }
        }
        return tokens;
    }

    static List<ScoredToken.Alternative> named(TextCodec codec, Alternatives a) {
        List<ScoredToken.Alternative> out = new ArrayList<>(a.ids().length);
        for (int j = 0; j < a.ids().length; j++) {
            out.add(new ScoredToken.Alternative(codec.decode(new long[] {a.ids()[j]}), a.logprobs()[j]));
        }
        return out;
    }
}
