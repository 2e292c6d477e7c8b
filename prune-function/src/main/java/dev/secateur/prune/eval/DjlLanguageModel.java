package dev.secateur.prune.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.prune.model.Devices;
import dev.secateur.prune.model.ForwardCapture;

/** Scores windows with a {@link DecoderModel}; log-softmax and the target gather stay on the model's device. */
public final class DjlLanguageModel implements LanguageModel {
    private final DecoderModel model;

    public DjlLanguageModel(DecoderModel model) {
        this.model = model;
    }

    @Override
    public float[][] nextTokenNll(long[][] windows) {
        int batch = windows.length, len = windows[0].length;
        checkIds(windows, model.vocabSize());
        try (NDManager m = NDManager.newBaseManager(model.device(), "PyTorch")) {
            NDArray all = m.create(windows);
            NDArray input = all.get(":, 0:" + (len - 1));
            NDArray target = all.get(":, 1:" + len);
            NDArray logits = model.forward(input, ForwardCapture.NONE);
            NDArray nll = logits.logSoftmax(2).gather(target.expandDims(2), 2).neg();
            float[] flat = nll.toFloatArray();
            float[][] out = new float[batch][len - 1];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(flat, b * (len - 1), out[b], 0, len - 1);
            }
            return out;
        }
    }

    /** An id past the embedding would fail deep in libtorch; a tokenizer/model mismatch deserves a plain message. */
    static void checkIds(long[][] windows, int vocab) {
        for (long[] w : windows) {
            for (long id : w) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("token id " + id + " is outside the model's vocabulary of " + vocab
                            + " (does the tokenizer belong to this model?)");
                }
            }
        }
    }

    @Override
    public int contextLength() {
        return model.config().contextLength();
    }

    @Override
    public String device() {
        return Devices.describe(model.device());
    }

    /** Closes the wrapped model too: the wrapper is how the CLI owns it. */
    @Override
    public void close() {
        model.close();
    }
}
