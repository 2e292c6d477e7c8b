package dev.secateur.serve.generate;

import dev.secateur.serve.engine.Finish;

/** Streaming: text pieces of each choice as they become certain. */
public interface ChoiceListener {
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
