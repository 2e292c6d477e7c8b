package dev.secateur.prune.plan;

import ai.djl.ndarray.NDManager;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.prune.mi.MiMatrix;
import dev.secateur.prune.mi.RenyiMutualInformation;
import dev.secateur.prune.mi.TokenSubsample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Whole-layer removal: a block whose output carries (almost) the same information as its input adds little.
 * Score = α = 2 Rényi MI between block input and output (vector-valued, ||z_i − z_j||²) on n subsampled tokens;
 * drop the K highest, ties toward the smaller relative change ||out − in|| / ||in||.
 */
public final class LayerDrop {
    private LayerDrop() {
    }

    /** Per layer: {MI bits, relative change}. */
    public static double[][] scores(NDManager manager, List<Tensor[]> inOut, RenyiMutualInformation mi, int tokens, long seed) {
        double[][] out = new double[inOut.size()][];
        for (int l = 0; l < inOut.size(); l++) {
            Tensor in = inOut.get(l)[0], o = inOut.get(l)[1];
            int[] rows = TokenSubsample.indices(in.dim(0), tokens, seed + l);
            Tensor a = in.selectRows(rows), b = o.selectRows(rows);
            int n = rows.length, h = in.dim(1);
            float[] both = new float[n * 2 * h];
            for (int i = 0; i < n; i++) {
                System.arraycopy(a.data(), i * h, both, i * 2 * h, h);
                System.arraycopy(b.data(), i * h, both, i * 2 * h + h, h);
            }
            MiMatrix m = mi.pairwiseVectors(manager, both, n, 2, h);
            double diff = 0, base = 0;
            for (int i = 0; i < in.numel(); i++) {
                double d = o.data()[i] - in.data()[i];
                diff += d * d;
                base += (double) in.data()[i] * in.data()[i];
            }
            out[l] = new double[] {m.get(0, 1), Math.sqrt(diff / Math.max(base, 1e-30))};
        }
        return out;
    }

    /** The layers to drop: ratio of all layers (rounded), or every layer with MI > threshold when threshold is set. */
    public static int[] choose(double[][] scores, double ratio, Double threshold) {
        int layers = scores.length;
        if (!(ratio >= 0 && ratio < 1)) {
            throw new IllegalArgumentException("layer ratio must be in [0, 1), got " + ratio);
        }
        Integer[] idx = new Integer[layers];
        Arrays.setAll(idx, i -> i);
        Arrays.sort(idx, (x, y) -> {
            int c = Double.compare(scores[y][0], scores[x][0]);
            return c != 0 ? c : Double.compare(scores[x][1], scores[y][1]);
        });
        int k = threshold == null ? (int) Math.round(ratio * layers) : (int) Arrays.stream(scores).filter(s -> s[0] > threshold).count();
        if (threshold != null && ratio > 0) {
            k = Math.min(k, (int) Math.round(ratio * layers));
        }
        if (k >= layers) {
            throw new IllegalArgumentException("dropping " + k + " of " + layers + " layers would leave none");
        }
        List<Integer> chosen = new ArrayList<>(Arrays.asList(idx).subList(0, k));
        return chosen.stream().mapToInt(Integer::intValue).sorted().toArray();
    }
}
