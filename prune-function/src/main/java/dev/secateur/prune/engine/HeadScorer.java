package dev.secateur.prune.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.prune.eval.Agreement;
import dev.secateur.prune.model.BlockForward;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the last hidden states of the dense and the pruned model on the evaluation windows into perplexity before
 * and after (exp of the mean next-token NLL), top-1 agreement and KL(dense ‖ pruned) per position, without ever
 * holding the output projection whole: it is read from the checkpoint in pieces of the vocabulary, twice. The first
 * pass keeps, per position and model, a running log-sum-exp and arg-max; the second sums p_dense·(l_dense − l_pruned),
 * from which KL = Σ p_d (l_d − l_p) − (lse_d − lse_p). Target logits come from the targets' own rows of the projection.
 * Positions are taken in groups and vocabulary pieces sized so that a logits piece stays near 64 MB.
 */
final class HeadScorer {
    /** Rows of the output projection [vocab, hidden]: the only way the scorer sees it. */
    interface Projection {
        int vocab();

        Tensor rows(int from, int to);

        Tensor rows(int[] ids);

        /** The projection's bias [vocab] (Phi's), or null; small enough to hold whole. */
        default Tensor bias() {
            return null;
        }
    }

    private static final long PIECE_BYTES = 64L << 20;

    /** One model's final norm and output projection. */
    record Side(NDArray norm, NDArray normBias, Projection head) {
    }

    private final BlockForward f;
    private final Side dense;
    private final Side pruned;

    /** Both models share the final norm and head (pruning inside the blocks only). */
    HeadScorer(BlockForward f, NDArray norm, NDArray normBias, Projection head) {
        this(f, new Side(norm, normBias, head), null);
    }

    /** @param pruned the pruned model's own norm and head (hidden pruning narrows them), or null when it shares the dense ones */
    HeadScorer(BlockForward f, Side dense, Side pruned) {
        this.f = f;
        this.dense = dense;
        this.pruned = pruned == null ? dense : pruned;
    }

    EvalOutcome score(HiddenStates dense, HiddenStates pruned, long[][] windows, int batchSize) {
        NDManager root = this.dense.norm().getManager();
        Projection head = this.dense.head();
        int seq = windows[0].length - 1;
        long hidden = dense.batch(0).getShape().get(2);
        int groupWindows = (int) Math.max(1, PIECE_BYTES / (4L * hidden * seq));
        double nllDense = 0, nllPruned = 0, agree = 0, kl = 0;
        long tokens = 0;
        List<int[]> rowsOfWindow = new ArrayList<>(); // {batch, row} of every window, in order
        for (int b = 0; b < dense.batches(); b++) {
            for (int r = 0; r < dense.batch(b).getShape().get(0); r++) {
                rowsOfWindow.add(new int[] {b, r});
            }
        }
        for (int g = 0; g < rowsOfWindow.size(); g += groupWindows) {
            List<int[]> group = rowsOfWindow.subList(g, Math.min(rowsOfWindow.size(), g + groupWindows));
            int[] targets = new int[group.size() * seq];
            for (int w = 0; w < group.size(); w++) {
                long[] window = windows[group.get(w)[0] * batchSize + group.get(w)[1]];
                for (int t = 0; t < seq; t++) {
                    targets[w * seq + t] = Math.toIntExact(window[t + 1]);
                }
            }
            try (NDManager m = root.newSubManager()) {
                NDArray xd = normed(dense, group, this.dense, m), xp = normed(pruned, group, this.pruned, m);
                Stats sd = new Stats(), sp = new Stats();
                int n = targets.length;
                int piece = (int) Math.max(256, PIECE_BYTES / (4L * n));
                for (int v0 = 0; v0 < head.vocab(); v0 += piece) {
                    try (NDManager pm = m.newSubManager()) {
                        NDArray[] l = logits(xd, xp, v0, piece, pm);
                        sd.add(l[0], v0, m);
                        sp.add(l[1], v0, m);
                    }
                }
                NDArray lseD = sd.lse(), lseP = sp.lse();
                NDArray klSum = m.zeros(lseD.getShape(), DataType.FLOAT64);
                for (int v0 = 0; v0 < head.vocab(); v0 += piece) {
                    try (NDManager pm = m.newSubManager()) {
                        NDArray[] l = logits(xd, xp, v0, piece, pm);
                        klSum.addi(l[0].sub(lseD.expandDims(1)).exp().mul(l[0].sub(l[1])).sum(new int[] {1}).toType(DataType.FLOAT64, false));
                    }
                }
                NDArray wt = ModelFamily.array(m, head.rows(targets)); // [n, hidden]
                NDArray wtP = this.pruned == this.dense ? wt : ModelFamily.array(m, this.pruned.head().rows(targets));
                NDArray targetD = f.finalLogits(withBias(xd.mul(wt).sum(new int[] {1}), this.dense.head().bias(), targets, m));
                NDArray targetP = f.finalLogits(withBias(xp.mul(wtP).sum(new int[] {1}), this.pruned.head().bias(), targets, m));
                nllDense += lseD.sub(targetD).toType(DataType.FLOAT64, false).sum().getDouble();
                nllPruned += lseP.sub(targetP).toType(DataType.FLOAT64, false).sum().getDouble();
                agree += sd.argMax.eq(sp.argMax).toType(DataType.FLOAT64, false).sum().getDouble();
                kl += klSum.sub(lseD.sub(lseP).toType(DataType.FLOAT64, false)).sum().getDouble();
                tokens += n;
            }
        }
        return new EvalOutcome(Math.exp(nllDense / tokens), Math.exp(nllPruned / tokens), new Agreement(agree / tokens, kl / tokens, tokens),
                tokens, rowsOfWindow.size());
    }

    /** Both models' logits for vocabulary rows [v0, v0 + piece), in the piece's own manager. */
    private NDArray[] logits(NDArray xd, NDArray xp, int v0, int piece, NDManager pm) {
        int v1 = Math.min(dense.head().vocab(), v0 + piece);
        NDArray w = ModelFamily.array(pm, dense.head().rows(v0, v1)).transpose();
        NDArray wp = pruned == dense ? w : ModelFamily.array(pm, pruned.head().rows(v0, v1)).transpose();
        // a product takes its first operand's manager: move each piece of logits to the piece's own
        NDArray ld = xd.matMul(w), lp = xp.matMul(wp);
        ld.attach(pm);
        lp.attach(pm);
        ld = withBias(ld, dense.head().bias(), v0, v1, pm);
        lp = withBias(lp, pruned.head().bias(), v0, v1, pm);
        // capped after the move, so that the cap's intermediates are the piece's too (attaching the result alone would leave them to the group)
        ld = f.finalLogits(ld);
        lp = f.finalLogits(lp);
        return new NDArray[] {ld, lp};
    }

    /** Logits of vocabulary rows [v0, v1) plus the bias's entries for them, where the projection has one. */
    private static NDArray withBias(NDArray logits, Tensor bias, int v0, int v1, NDManager m) {
        return bias == null ? logits : logits.add(ModelFamily.array(m, bias.sliceRows(v0, v1)));
    }

    /** Target logits plus the bias's entries for the targets, where the projection has one. */
    private static NDArray withBias(NDArray logits, Tensor bias, int[] targets, NDManager m) {
        return bias == null ? logits : logits.add(ModelFamily.array(m, bias.selectRows(targets)));
    }

    /** The final-normed states of a group of windows, as one [positions, hidden] matrix. */
    private NDArray normed(HiddenStates states, List<int[]> group, Side side, NDManager m) {
        NDList parts = new NDList();
        for (int[] br : group) {
            NDArray x = states.batch(br[0]).get(br[1]);
            x.attach(m);
            parts.add(x);
        }
        NDArray stacked = NDArrays.stack(parts);
        stacked.attach(m);
        NDArray y = f.finalNorm(stacked, side.norm(), side.normBias());
        y.attach(m);
        long hidden = y.getShape().get(2);
        return y.reshape(-1, hidden);
    }

    /** Per position: running max, sum of exp(logit − max) and arg-max over the pieces seen so far. */
    private static final class Stats {
        NDArray max, sum, argMax, argValue;

        void add(NDArray logits, int offset, NDManager keepIn) {
            NDArray pieceMax = logits.max(new int[] {1});
            NDArray pieceArg = logits.argMax(1).add(offset);
            if (max == null) {
                max = pieceMax;
                sum = logits.sub(pieceMax.expandDims(1)).exp().sum(new int[] {1});
                argMax = pieceArg;
                argValue = pieceMax;
                keep(keepIn);
                return;
            }
            NDArray newMax = NDArrays.maximum(max, pieceMax);
            sum = sum.mul(max.sub(newMax).exp()).add(logits.sub(newMax.expandDims(1)).exp().sum(new int[] {1}));
            NDArray better = pieceMax.gt(argValue);
            argMax = NDArrays.where(better, pieceArg, argMax);
            argValue = NDArrays.maximum(argValue, pieceMax);
            max = newMax;
            keep(keepIn);
        }

        /** The running vectors outlive the piece's manager. */
        private void keep(NDManager m) {
            for (NDArray a : new NDArray[] {max, sum, argMax, argValue}) {
                a.attach(m);
            }
        }

        NDArray lse() {
            return sum.log().add(max);
        }
    }
}
