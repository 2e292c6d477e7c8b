package dev.secateur.serve.model;

/** Told about every swap attempt (metrics, logs). */
public interface SwapListener {
    void swapped(ModelHandle previous, ModelHandle current, String trigger);

    void swapFailed(String name, int version, String trigger, String error);

    SwapListener NONE = new SwapListener() {
        @Override
        public void swapped(ModelHandle previous, ModelHandle current, String trigger) {
        }

        @Override
        public void swapFailed(String name, int version, String trigger, String error) {
        }
    };
}
