package dev.secateur.prune.compensate;

import ai.djl.ndarray.NDManager;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;

/**
 * Makes up for dropped layers in the kept block right after them, which sees the residual stream without their
 * updates. With {@code missing} = (dense model's output of that block) − (its output on the pruned stream), on the
 * same calibration rows, its down_proj absorbs what it can: lsq refits down_proj and its bias so that the FFN output
 * gains {@code missing} (least squares over the block's own FFN activations, ridge toward the current weights), bias
 * adds mean(missing) to the down_proj bias. Only pre-norm blocks (decoders) qualify: there the FFN output is added to
 * the residual stream as it is, so a change of it moves the block's output by exactly as much.
 */
public final class DroppedLayerCompensation {
    private DroppedLayerCompensation() {
    }

    /**
     * @param w the block's weights after its own compensation (dense shape)
     * @param z its FFN intermediate activations on the pruned stream, [n, ffn]
     * @param missing [n, hidden], rows aligned with z
     * @param keptFfn the block's kept FFN neurons
     * @param residualMultiplier what the FFN output is multiplied by as it joins the stream (Granite's; else 1), so
     *     that the FFN output must gain missing / residualMultiplier
     * @param sites whether the MLP's output projection may hold a bias: without one lsq refits the weights alone
     */
    public static LayerWeights absorb(String compensation, NDManager manager, double ridge, LayerWeights w, Tensor z, Tensor missingUpdate,
            int[] keptFfn, double residualMultiplier, BiasSites sites) {
        Tensor missing = scaled(missingUpdate, 1.0 / residualMultiplier);
        return switch (compensation) {
            case "lsq" -> {
                Tensor[] r = new LeastSquaresCompensation(manager, ridge, sites).refit(w.down(), w.downBias(), z, keptFfn, missing,
                        sites.mlp());
                yield w.withMlp(w.gate(), w.gateBias(), w.up(), w.upBias(), r[0], r[1]);
            }
            case "bias" -> !sites.mlp() ? w : w.withMlp(w.gate(), w.gateBias(), w.up(), w.upBias(), w.down(), addMean(w.downBias(), missing));
            default -> w;
        };
    }

    static Tensor addMean(Tensor bias, Tensor missing) {
        int n = missing.dim(0), h = missing.dim(1);
        double[] mean = new double[h];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < h; c++) {
                mean[c] += missing.data()[i * h + c];
            }
        }
        float[] b = bias == null ? new float[h] : bias.data().clone();
        for (int c = 0; c < h; c++) {
            b[c] += (float) (mean[c] / n);
        }
        return new Tensor(new int[] {h}, b);
    }

    /** out − in, elementwise, same shape. */
    public static Tensor difference(Tensor out, Tensor in) {
        float[] d = new float[out.numel()];
        for (int i = 0; i < d.length; i++) {
            d[i] = out.data()[i] - in.data()[i];
        }
        return new Tensor(out.shape(), d);
    }

    /** a × s, elementwise (a itself when s is 1). */
    static Tensor scaled(Tensor a, double s) {
        if (s == 1.0) {
            return a;
        }
        float[] d = new float[a.numel()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (a.data()[i] * s);
        }
        return new Tensor(a.shape(), d);
    }

    /** ||a|| / ||b|| (Frobenius). */
    public static double relativeNorm(Tensor a, Tensor b) {
        double x = 0, y = 0;
        for (int i = 0; i < a.numel(); i++) {
            x += (double) a.data()[i] * a.data()[i];
            y += (double) b.data()[i] * b.data()[i];
        }
        return Math.sqrt(x / Math.max(y, 1e-30));
    }
}
