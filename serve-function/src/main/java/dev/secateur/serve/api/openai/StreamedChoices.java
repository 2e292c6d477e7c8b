package dev.secateur.serve.api.openai;

import dev.secateur.serve.engine.Finish;
import dev.secateur.serve.generate.ChoiceListener;
import dev.secateur.serve.generate.ScoredToken;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.IntFunction;

/** Sends each choice's pieces as SSE chunks: the endpoint says how a choice opens (if at all) and how it ends. */
final class StreamedChoices implements ChoiceListener {

    private final SseStream.Sink sink;
    private final TextChunks deltas;
    private final IntFunction<Object> opening;
    private final BiFunction<Integer, Finish, Object> closing;

    /** @param opening the chunk before a choice's first piece, or null for none */
    StreamedChoices(SseStream.Sink sink, TextChunks deltas, IntFunction<Object> opening,
                    BiFunction<Integer, Finish, Object> closing) {
        this.sink = sink;
        this.deltas = deltas;
        this.opening = opening;
        this.closing = closing;
    }

    @Override
    public void started(int index) {
        if (opening != null) {
            sink.send(opening.apply(index));
        }
    }

    @Override
    public void delta(int index, String text) {
        delta(index, text, List.of());
    }

    @Override
    public void delta(int index, String text, List<ScoredToken> tokens) {
        sink.send(deltas.delta(index, text, tokens));
    }

    @Override
    public void finished(int index, Finish finish) {
        sink.send(closing.apply(index, finish));
    }
}
