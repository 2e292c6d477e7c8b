package dev.secateur.prune.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.secateur.prune.eval.Agreement;
import dev.secateur.prune.model.BlockForward;
import java.util.Arrays;

/**
 * Turns the last hidden states of the dense and the pruned model on the evaluation windows into perplexity before
 * and after (exp of the mean next-token NLL), top-1 agreement and KL(dense ‖ pruned) per position, one window at a
 * time so that only one [seq, vocab] pair of logits exists at once.
 */
final class HeadScorer {
    private final BlockForward f;
    private final NDArray norm;
    private final NDArray normBias;
    private final NDArray lmHead;

    HeadScorer(BlockForward f, NDArray norm, NDArray normBias, NDArray lmHead) {
        this.f = f;
        this.norm = norm;
        this.normBias = normBias;
        this.lmHead = lmHead;
    }

    EvalOutcome score(HiddenStates dense, HiddenStates pruned, long[][] windows, int batchSize) {
        double nllDense = 0, nllPruned = 0, agree = 0, kl = 0;
        long tokens = 0;
        int w = 0;
        for (int b = 0; b < dense.batches(); b++) {
            long rows = dense.batch(b).getShape().get(0);
            for (int r = 0; r < rows; r++, w++) {
                long[] window = windows[b * batchSize + r];
                long[] targets = Arrays.copyOfRange(window, 1, window.length);
                try (NDManager m = lmHead.getManager().newSubManager()) {
                    NDArray t = m.create(targets).expandDims(1);
                    NDArray ld = logProbs(dense.batch(b), r, m);
                    NDArray lp = logProbs(pruned.batch(b), r, m);
                    nllDense -= ld.gather(t, 1).toType(DataType.FLOAT64, false).sum().getDouble();
                    nllPruned -= lp.gather(t, 1).toType(DataType.FLOAT64, false).sum().getDouble();
                    agree += ld.argMax(-1).eq(lp.argMax(-1)).toType(DataType.FLOAT64, false).sum().getDouble();
                    kl += ld.exp().mul(ld.sub(lp)).sum(new int[] {-1}).toType(DataType.FLOAT64, false).sum().getDouble();
                }
                tokens += targets.length;
            }
        }
        return new EvalOutcome(Math.exp(nllDense / tokens), Math.exp(nllPruned / tokens), new Agreement(agree / tokens, kl / tokens, tokens),
                tokens, w);
    }

    /** log-softmax of one window's logits, [seq, vocab]. */
    private NDArray logProbs(NDArray states, int row, NDManager m) {
        NDArray x = states.get(new NDIndex("{}:{}", row, row + 1));
        x.attach(m);
        NDArray logits = f.head(x, norm, normBias, lmHead);
        logits.attach(m);
        NDArray out = logits.squeeze(0).logSoftmax(-1);
        out.attach(m);
        return out;
    }
}
