package dev.secateur.prune.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.DecoderWeights;
import java.util.Arrays;
import java.util.function.Function;

/**
 * The next-token loss of a decoder computed in float64 with the engine's own block math (weights widened from their float32
 * values), for finite differences fine enough to check gradients against: float32 rounding would drown a loss change of 1e-7.
 */
public final class Float64Loss {
    private Float64Loss() {
    }

    /** Per window, its mean next-token NLL. */
    public static double[] perWindow(DecoderWeights w, long[][] windows) {
        BlockForward f = new BlockForward(w.config());
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            Function<Tensor, NDArray> wide = t -> {
                double[] d = new double[t.data().length];
                for (int i = 0; i < d.length; i++) {
                    d[i] = t.data()[i];
                }
                return m.create(d, new Shape(Arrays.stream(t.shape()).asLongStream().toArray()));
            };
            NDArray ids = m.create(windows).toType(DataType.INT64, false);
            NDArray x = f.embed(ids, wide.apply(w.tokenEmbedding()), w.positionEmbedding() == null ? null : wide.apply(w.positionEmbedding()), m);
            for (int i = 0; i < w.layers().size(); i++) {
                x = f.block(i, LayerArrays.of(w.layers().get(i), wide), x, null, m, ForwardCapture.NONE);
            }
            NDArray logits = f.head(x, wide.apply(w.finalNorm()), w.finalNormBias() == null ? null : wide.apply(w.finalNormBias()),
                    wide.apply(w.lmHead()), w.lmHeadBias() == null ? null : wide.apply(w.lmHeadBias()));
            int t = windows[0].length;
            NDArray logp = logits.get(":, 0:" + (t - 1) + ", :").logSoftmax(2);
            if (logp.getDataType() != DataType.FLOAT64) {
                throw new IllegalStateException("the forward fell back to " + logp.getDataType());
            }
            NDArray nll = logp.gather(ids.get(":, 1:").expandDims(2), 2).squeeze(2).mean(new int[] {1}).neg();
            return nll.toDoubleArray();
        }
    }

    /** The mean over windows of {@link #perWindow}: the loss the Taylor estimates differentiate. */
    public static double mean(DecoderWeights w, long[][] windows) {
        return Arrays.stream(perWindow(w, windows)).average().orElseThrow();
    }
}
