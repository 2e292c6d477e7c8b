package dev.secateur.serve.generate;

import dev.secateur.serve.engine.Finish;

/** Streaming: text pieces of each choice as they become certain. */
public interface ChoiceListener {

    /** Before the first piece of a choice (chat streams announce the assistant's role here). */
    default void started(int index) {
    }

    void delta(int index, String text);

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
