package dev.secateur.prune.eval;

import dev.secateur.runtime.OrtDecoder;
import dev.secateur.runtime.Sampler;

/**
 * Scores windows with an exported ONNX model on ONNX Runtime, so that the model a pruning run ships is
 * evaluated by the same harness as the DJL model it came from.
 */
public final class OrtLanguageModel implements LanguageModel {
    private final OrtDecoder decoder;

    public OrtLanguageModel(OrtDecoder decoder) {
        this.decoder = decoder;
    }

    @Override
    public float[][] nextTokenNll(long[][] windows) {
        DjlLanguageModel.checkIds(windows, decoder.vocabSize());
        int len = windows[0].length;
        long[][] inputs = new long[windows.length][];
        for (int b = 0; b < windows.length; b++) {
            inputs[b] = java.util.Arrays.copyOf(windows[b], len - 1);
        }
        float[][][] logits = decoder.logits(inputs);
        float[][] out = new float[windows.length][len - 1];
        for (int b = 0; b < windows.length; b++) {
            for (int t = 0; t < len - 1; t++) {
                out[b][t] = (float) -Sampler.logSoftmax(logits[b][t], (int) windows[b][t + 1]);
            }
        }
        return out;
    }

    @Override
    public int contextLength() {
        return decoder.maxPositions();
    }

    @Override
    public String device() {
        return "onnxruntime-" + (OrtDecoder.CUDA.equals(decoder.provider()) ? "cuda" : "cpu");
    }

    /** Closes the session too: the wrapper is how a caller owns it. */
    @Override
    public void close() {
        decoder.close();
    }
}
