package dev.secateur.prune.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.ArchitectureAdapter;
import dev.secateur.model.StreamedCheckpoint;
import dev.secateur.prune.model.BlockForward;

/**
 * The mean next-token NLL of some whole windows, from the last hidden states of a (masked) model: the final norm, then
 * the output projection read from the checkpoint in pieces of the vocabulary (a running log-sum-exp, so the projection
 * is never resident whole) and the targets' own rows for their logits. Position t predicts token t + 1.
 */
final class CalibrationLoss {
    private static final long PIECE_BYTES = 64L << 20;

    private final BlockForward f;
    private final StreamedCheckpoint src;
    private final long[][] windows;
    private final int batchSize;

    CalibrationLoss(StreamedCheckpoint src, long[][] windows, int batchSize) {
        this.f = new BlockForward(src.config());
        this.src = src;
        this.windows = windows;
        this.batchSize = batchSize;
    }

    double meanNll(HiddenStates last, NDManager root) {
        ArchitectureAdapter.Head head = src.headWithoutProjection();
        int vocab = src.config().vocabSize();
        double nll = 0;
        long tokens = 0;
        try (NDManager m = root.newSubManager()) {
            NDArray norm = ModelFamily.array(m, head.norm());
            NDArray normBias = head.normBias() == null ? null : ModelFamily.array(m, head.normBias());
            Tensor bias = head.lmHeadBias(); // Phi's; read in the same pieces as the projection
            for (int b = 0; b < last.batches(); b++) {
                try (NDManager bm = m.newSubManager()) {
                    NDArray x = last.batch(b);
                    long rows = x.getShape().get(0), seq = x.getShape().get(1), hidden = x.getShape().get(2);
                    NDArray inputs = x.get(":, 0:" + (seq - 1) + ", :");
                    inputs.attach(bm);
                    NDArray h = f.finalNorm(inputs, norm, normBias).reshape(-1, hidden);
                    h.attach(bm);
                    int n = Math.toIntExact(rows * (seq - 1));
                    int[] targets = new int[n];
                    for (int r = 0; r < rows; r++) {
                        long[] w = windows[b * batchSize + r];
                        for (int t = 0; t < seq - 1; t++) {
                            targets[(int) (r * (seq - 1) + t)] = Math.toIntExact(w[t + 1]);
                        }
                    }
                    int piece = (int) Math.max(256, PIECE_BYTES / (4L * n));
                    NDArray max = null, sum = null;
                    for (int v0 = 0; v0 < vocab; v0 += piece) {
                        try (NDManager pm = bm.newSubManager()) {
                            NDArray w = ModelFamily.array(pm, src.lmHeadRows(v0, Math.min(vocab, v0 + piece))).transpose();
                            NDArray logits = h.matMul(w);
                            logits.attach(pm);
                            if (bias != null) {
                                logits = logits.add(ModelFamily.array(pm, bias.sliceRows(v0, Math.min(vocab, v0 + piece))));
                            }
                            logits = f.finalLogits(logits); // after the move: the cap's intermediates stay in the piece
                            NDArray pieceMax = logits.max(new int[] {1});
                            NDArray newMax = max == null ? pieceMax : ai.djl.ndarray.NDArrays.maximum(max, pieceMax);
                            NDArray pieceSum = logits.sub(newMax.expandDims(1)).exp().sum(new int[] {1});
                            sum = sum == null ? pieceSum : sum.mul(max.sub(newMax).exp()).add(pieceSum);
                            max = newMax;
                            max.attach(bm);
                            sum.attach(bm);
                        }
                    }
                    NDArray targetRows = ModelFamily.array(bm, src.lmHeadRows(targets));
                    NDArray targetDot = h.mul(targetRows).sum(new int[] {1});
                    if (bias != null) {
                        targetDot = targetDot.add(ModelFamily.array(bm, bias.selectRows(targets)));
                    }
                    NDArray targetLogit = f.finalLogits(targetDot);
                    nll += sum.log().add(max).sub(targetLogit).toType(DataType.FLOAT64, false).sum().getDouble();
                    tokens += n;
                }
            }
        }
        return nll / tokens;
    }
}
