package dev.secateur.prune.model;

import ai.djl.ndarray.NDArray;

/**
 * Observes activations during a forward pass without copying model code. The model asks
 * {@link #wants} first so that unwanted activations are never materialised or kept.
 * Arrays passed to {@link #record} belong to the forward pass's NDManager: copy or detach what you keep.
 */
public interface ForwardCapture {
    ForwardCapture NONE = new ForwardCapture() {
    };

    default boolean wants(CaptureSite site, int layer) {
        return false;
    }

    default void record(CaptureSite site, int layer, NDArray value) {
    }

    /** Lets a capture end the pass early once it has what it needs (layer-by-layer calibration). */
    default boolean stopAfter(int layer) {
        return false;
    }
}
