package dev.secateur.serve.generate;

import dev.secateur.serve.engine.Alternatives;
import dev.secateur.serve.engine.TextCodec;
import dev.secateur.serve.engine.TokenSink;
import java.util.ArrayList;
import java.util.List;

/**
 * One choice as the engine generates it: token ids become text (cut at stop sequences, released only once
 * certain), and, when logprobs were asked for, scored tokens; each released piece goes to the listener with the
 * tokens it came from, so a streamed choice carries the same logprobs as a whole one.
 */
final class ChoiceStream implements TokenSink {

    private final TextCodec codec;
    private final TextAssembler text;
    private final ChoiceListener listener;
    private final int index;
    private final boolean scoring;
    private final int echoLength;
    private final long[] firstToken;
    private final List<ScoredToken> scored = new ArrayList<>();
    private int sent;
    private int generatedChars;

    /**
     * @param echoLength length of the echoed prompt in front of the generated text (offsets count from the start)
     * @param firstToken [0] is set to System.nanoTime() at the first token of any choice (time to first token)
     */
    ChoiceStream(TextCodec codec, List<String> stops, ChoiceListener listener, int index, boolean scoring,
                 int echoLength, long[] firstToken) {
        this.codec = codec;
        this.text = new TextAssembler(codec, stops);
        this.listener = listener;
        this.index = index;
        this.scoring = scoring;
        this.echoLength = echoLength;
        this.firstToken = firstToken;
    }

    @Override
    public boolean accept(long tokenId) {
        return accept(tokenId, Float.NaN, null);
    }

    @Override
    public boolean accept(long id, float logprob, Alternatives alternatives) {
        if (firstToken[0] < 0) {
            firstToken[0] = System.nanoTime();
        }
        boolean stop = text.add(id);
        if (scoring) {
            String t = codec.decode(new long[] {id});
            int offset = echoLength + Math.min(generatedChars, text.length());
            scored.add(new ScoredToken(t, Float.isNaN(logprob) ? null : logprob, offset, named(alternatives)));
            generatedChars += t.length();
        }
        String piece = text.drain(false);
        if (!piece.isEmpty()) {
            listener.delta(index, piece, unsent());
        }
        return !stop;
    }

    /** Once generation has ended: the text held back so far, with any tokens not sent yet. */
    void end() {
        String rest = text.drain(true);
        if (!rest.isEmpty() || sent < scored.size()) {
            listener.delta(index, rest, unsent());
        }
    }

    boolean stopped() {
        return text.stopped();
    }

    String text() {
        return text.text();
    }

    int tokenCount() {
        return text.tokenCount();
    }

    List<ScoredToken> scored() {
        return List.copyOf(scored);
    }

    private List<ScoredToken> unsent() {
        List<ScoredToken> out = List.copyOf(scored.subList(sent, scored.size()));
        sent = scored.size();
        return out;
    }

    private List<ScoredToken.Alternative> named(Alternatives a) {
        return a == null ? List.of() : Logprobs.named(codec, a);
    }
}
