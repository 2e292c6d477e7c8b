package dev.secateur.prune.compensate;

import dev.secateur.checkpoint.Tensor;
import dev.secateur.prune.criterion.ColumnStats;
import dev.secateur.prune.plan.UnitAllocator;

/**
 * FLAP's baseline: bias += W_out[:, removed] · mean(z_removed) (a bias is created when the layer has none); a site that
 * cannot hold a bias is left as it is (requests asking for this on such an architecture are refused before any work).
 */
public final class BiasCompensation extends OutputProjectionCompensator {
    public BiasCompensation(BiasSites sites) {
        super(sites);
    }
    @Override
    public String name() {
        return "bias";
    }

    /** The weight stays; the bias takes the mean contribution of every column not kept. */
    @Override
    Tensor[] refit(Tensor weight, Tensor bias, Tensor z, int[] keptColumns, boolean fitBias) {
        if (!fitBias) {
            return new Tensor[] {weight, bias};
        }
        return new Tensor[] {weight, shift(weight, bias, z, UnitAllocator.kept(weight.dim(1), keptColumns))};
    }

    static Tensor shift(Tensor weight, Tensor bias, Tensor z, int[] removedColumns) {
        if (z == null) {
            throw new IllegalStateException("bias compensation needs calibration activations");
        }
        double[] mean = ColumnStats.of(z).mean();
        int h = weight.dim(0), d = weight.dim(1);
        float[] b = bias == null ? new float[h] : bias.data().clone();
        for (int i = 0; i < h; i++) {
            double s = 0;
            for (int c : removedColumns) {
                s += weight.data()[i * d + c] * mean[c];
            }
            b[i] += (float) s;
        }
        return new Tensor(new int[] {h}, b);
    }
}
