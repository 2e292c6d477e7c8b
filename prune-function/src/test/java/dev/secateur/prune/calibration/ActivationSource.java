package dev.secateur.prune.calibration;

/** Calibration activations of the dense model, one layer at a time. */
public interface ActivationSource {
    LayerActivations layer(int layer);

    int numLayers();

    /** The most bytes of activation buffers held at once so far. */
    long peakBytes();

    /** Seconds spent in forward passes so far (stages subtract it to report their own time). */
    default double captureSeconds() {
        return 0;
    }
}
