package dev.secateur.prune.train;

import ai.djl.ndarray.NDArray;

/** Loss functions over NDArrays, built from differentiable ops. */
public final class Losses {
    private Losses() {
    }

    /**
     * Mean cross-entropy of the targets under the logits: −mean log softmax(logits)[target].
     *
     * @param logits [batch, seq, vocab]
     * @param targets [batch, seq] int64, the next token at each position
     */
    public static NDArray crossEntropy(NDArray logits, NDArray targets) {
        return logits.logSoftmax(-1).gather(targets.expandDims(-1), -1).mean().neg();
    }
}
