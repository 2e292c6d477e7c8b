package dev.secateur.serve.structured;

import dev.secateur.serve.engine.TokenConstraint;
import dev.secateur.tokenizer.TokenBytes;
import java.util.Set;

/** One sequence's JSON output: the tokens whose bytes keep the text a prefix of a value of the shape. */
final class JsonConstraint implements TokenConstraint {

    private final TokenBytes vocabulary;
    private JsonRecognizer state;

    JsonConstraint(TokenBytes vocabulary, JsonRecognizer start) {
        this.vocabulary = vocabulary;
        this.state = start;
    }

    @Override
    public boolean complete() {
        return state.mustEnd();
    }

    @Override
    public boolean allows(int token, boolean stop) {
        if (stop) {
            return state.canEnd();
        }
        byte[] b = vocabulary.of(token);
        return b != null && b.length > 0 && state.steps(b, 0) != null;
    }

    @Override
    public void mask(float[] logits, Set<Long> stops) {
        boolean[] ok = new boolean[logits.length];
        boolean free = state.inFreeString();
        for (int first = 0; first < 256; first++) {
            int[] group = vocabulary.startingWith(first);
            if (group.length == 0) {
                continue;
            }
            JsonRecognizer after = state.step(first);
            if (after == null) {
                continue;
            }
            for (int t : group) {
                if (t < ok.length) {
                    ok[t] = (free && vocabulary.isPlainText(t)) || after.steps(vocabulary.of(t), 1) != null;
                }
            }
        }
        boolean canEnd = state.canEnd();
        for (Long s : stops) {
            if (s >= 0 && s < ok.length) {
                ok[s.intValue()] = canEnd;
            }
        }
        for (int t = 0; t < logits.length; t++) {
            if (!ok[t]) {
                logits[t] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    @Override
    public void accept(int token) {
        byte[] b = vocabulary.of(token);
        JsonRecognizer next = b == null ? null : state.steps(b, 0);
        if (next == null) {
            throw new IllegalStateException("token " + token + " was chosen but the JSON constraint does not allow it");
        }
        state = next;
    }
}
