package dev.secateur.serve.generate;

import dev.secateur.serve.engine.Finish;
import java.util.List;

/** Streaming: text pieces of each choice as they become certain. */
public interface ChoiceListener {

    /** Before the first piece of a choice (chat streams announce the assistant's role here). */
    default void started(int index) {
    }

    void delta(int index, String text);

    /**
     * A piece with the tokens it came from (when logprobs were asked for; empty otherwise). A token whose text is
     * held back (half a UTF-8 character, the start of a possible stop sequence) comes with the piece that releases it.
     */
    default void delta(int index, String text, List<ScoredToken> tokens) {
        delta(index, text);
    }

    void finished(int index, Finish finish);

    ChoiceListener NONE = new ChoiceListener() {
        @Override
        public void delta(int index, String text) {
        }

        @Override
        public void finished(int index, Finish finish) {
        }
    };
}
