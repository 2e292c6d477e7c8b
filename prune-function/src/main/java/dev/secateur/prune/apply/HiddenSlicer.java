package dev.secateur.prune.apply;

import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.plan.HiddenPlan;

/**
 * Removes residual (hidden) channels: the same kept channels in every block's input projections (q/k/v, gate/up:
 * input columns), its output projections (o_proj, down_proj: output rows, with their biases), both RMSNorm weights
 * (the kept entries, times the plan's scale), and in the embeddings, the final norm and the LM head.
 *
 * <p>With a fold in the plan, a reader W with norm gain g also takes over the removed channels' least-squares share:
 * on the normalised stream u, W diag(g) u ≈ (W_K diag(g_K) + W_R diag(g_R) B) u_K, so W_K += W_R diag(g_R) B diag(1/g_K)
 * (columns whose gain is about 0 are left as sliced).
 */
public final class HiddenSlicer {
    private HiddenSlicer() {
    }

    public static LayerWeights slice(LayerWeights w, HiddenPlan p, int layer) {
        if (w.postAttnNorm() != null || w.postMlpNorm() != null) {
            // PrunePipeline refuses the request first; the post norms' rescaling under a cut is not worked out
            throw new IllegalArgumentException("a hidden cut of a block with post norms (Gemma 2) is not supported");
        }
        int[] k = p.kept();
        Tensor g1 = w.attnNorm(), g2 = w.mlpNorm();
        return new LayerWeights(
                norm(g1, p, p.attnScale()[layer]), entries(w.attnNormBias(), k),
                reader(w.q(), g1, p), w.qBias(), reader(w.k(), g1, p), w.kBias(), reader(w.v(), g1, p), w.vBias(),
                w.o().selectRows(k), entries(w.oBias(), k),
                norm(g2, p, p.mlpScale()[layer]), entries(w.mlpNormBias(), k),
                reader(w.gate(), g2, p), w.gateBias(), reader(w.up(), g2, p), w.upBias(),
                w.down().selectRows(k), entries(w.downBias(), k),
                // Qwen3's q/k norms act over head_dim, which a hidden cut leaves alone
                w.qNorm(), w.kNorm());
    }

    /** The kept entries of a norm's weight vector, times {@code scale}. */
    public static Tensor norm(Tensor g, HiddenPlan p, double scale) {
        Tensor out = entries(g, p.kept());
        float[] data = out.data();
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (data[i] * scale);
        }
        return out;
    }

    /** An embedding table [vocab, d] (or a tied head) → its kept columns. */
    public static Tensor columns(Tensor t, HiddenPlan p) {
        return t.selectColumns(p.kept());
    }

    /** A matrix that reads the normed stream [rows, d], behind a norm of gain g → [rows, H], folded when the plan says so. */
    public static Tensor reader(Tensor w, Tensor gain, HiddenPlan p) {
        if (w == null) {
            return null;
        }
        Tensor sliced = w.selectColumns(p.kept());
        if (p.fold() == null) {
            return sliced;
        }
        int rows = w.dim(0), d = p.dense(), h = p.width();
        int[] removed = p.removed();
        float[] b = p.fold().data();
        float[] out = sliced.data();
        float[] src = w.data();
        double[] row = new double[h];
        for (int i = 0; i < rows; i++) {
            java.util.Arrays.fill(row, 0);
            for (int r = 0; r < removed.length; r++) {
                double a = src[i * d + removed[r]] * (double) gain.data()[removed[r]];
                if (a == 0) {
                    continue;
                }
                for (int j = 0; j < h; j++) {
                    row[j] += a * b[r * h + j];
                }
            }
            for (int j = 0; j < h; j++) {
                double gk = gain.data()[p.kept()[j]];
                if (Math.abs(gk) > 1e-6) {
                    out[i * h + j] += (float) (row[j] / gk);
                }
            }
        }
        return sliced;
    }

    private static Tensor entries(Tensor v, int[] k) {
        if (v == null) {
            return null;
        }
        float[] out = new float[k.length];
        for (int i = 0; i < k.length; i++) {
            out[i] = v.data()[k[i]];
        }
        return new Tensor(new int[] {k.length}, out);
    }
}
