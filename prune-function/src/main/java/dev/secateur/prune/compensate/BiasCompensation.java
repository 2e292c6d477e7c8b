package dev.secateur.prune.compensate;

import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.calibration.LayerActivations;
import dev.secateur.prune.criterion.ColumnStats;
import dev.secateur.prune.plan.LayerPlan;
import dev.secateur.prune.plan.UnitAllocator;

/** FLAP's baseline: bias += W_out[:, removed] · mean(z_removed) (a bias is created when the layer has none). */
public final class BiasCompensation implements Compensator {
    @Override
    public String name() {
        return "bias";
    }

    @Override
    public LayerWeights compensate(LayerWeights w, LayerActivations acts, LayerPlan plan) {
        LayerWeights out = w;
        if (plan.keptFfn().length < w.ffnWidth()) {
            Tensor b = shift(w.down(), w.downBias(), acts.ffnIntermediate(), UnitAllocator.kept(w.ffnWidth(), plan.keptFfn()));
            out = out.withMlp(w.gate(), w.gateBias(), w.up(), w.upBias(), w.down(), b);
        }
        if (plan.keptHeads().length < acts.numHeads()) {
            int[] removedHeads = UnitAllocator.kept(acts.numHeads(), plan.keptHeads());
            Tensor b = shift(w.o(), w.oBias(), acts.heads(), Compensators.headColumns(removedHeads, acts.headDim()));
            out = out.withAttention(w.q(), w.qBias(), w.k(), w.kBias(), w.v(), w.vBias(), w.o(), b);
        }
        return out;
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
