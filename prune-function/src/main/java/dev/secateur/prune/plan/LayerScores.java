package dev.secateur.prune.plan;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.mi.MiMatrix;
import dev.secateur.prune.mi.RenyiMutualInformation;
import dev.secateur.prune.mi.TokenSubsample;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How much each whole block is worth, by the family of the run's {@code --method}, so that dropping layers follows the
 * same idea as pruning units. Every score reads the block's update Δ = out − in on the same calibration rows (the
 * residual stream entering and leaving the block) or, for magnitude, the block's weights only:
 * <ul>
 * <li>mi-pairwise (the seed's): α = 2 Rényi MI between block input and output, high MI dropped first;</li>
 * <li>mi (set form): the variance of Δ that a linear function of the input cannot explain,
 *     tr(Σ_ΔΔ − Σ_Δx (Σ_xx + λI)⁻¹ Σ_xΔ) / tr Σ_xx: as for a neuron, what the rest cannot take over, weighted by what it
 *     writes (a block writes into the residual stream directly, so its output weight is the identity);</li>
 * <li>magnitude: ||W_o||²_F + ||W_down||²_F, what the block can write at most;</li>
 * <li>wanda-sp: Σ_t ||Δ_t|| / Σ_t ||x_t||, the activation-weighted size of the update;</li>
 * <li>flap: Σ_t ||Δ_t − mean Δ||² / Σ_t ||x_t − mean x||², the update's fluctuation (its mean is what bias
 *     compensation restores);</li>
 * <li>random: seeded;</li>
 * <li>anything else (taylor, whose gradients are per unit, not per block): the wanda-sp update size, as {@link #basis} says.</li>
 * </ul>
 * Lower cost is dropped first.
 */
public final class LayerScores {
    private LayerScores() {
    }

    /** What the scores read of one layer: aligned rows of its input and output, and its output weights' energy. */
    public record LayerInputs(Tensor blockInput, Tensor blockOutput, double outputWeightEnergy) {
    }

    /**
     * @param cost lower is dropped first
     * @param information bits (threshold mode: drop while above), NaN when the basis is not an information measure
     * @param change ||out − in|| / ||in|| over the rows, the tie-breaker (the smaller update goes first)
     */
    public record Score(double cost, double information, double change) {
    }

    /** One line for plan.json: what the layer scores of {@code method} compute. */
    public static String basis(String method) {
        return switch (method) {
            case "mi-pairwise" -> "alpha=2 Renyi MI(block input; block output), highest dropped first";
            case "mi" -> "variance of the block's update not linearly explained by its input, relative to the input's (Gaussian set form), lowest dropped first";
            case "magnitude" -> "||W_o||^2 + ||W_down||^2, lowest dropped first";
            case "flap" -> "fluctuation of the block's update relative to its input's, lowest dropped first";
            case "random" -> "random (seeded)";
            case "wanda-sp" -> "mean ||update|| / mean ||input|| over calibration tokens, lowest dropped first";
            default -> "no per-block score for " + method + ": mean ||update|| / mean ||input|| (as wanda-sp), lowest dropped first";
        };
    }

    /** ||W_o||²_F + ||W_down||²_F. */
    public static double outputWeightEnergy(LayerWeights w) {
        double e = 0;
        for (Tensor t : new Tensor[] {w.o(), w.down()}) {
            for (float v : t.data()) {
                e += (double) v * v;
            }
        }
        return e;
    }

    public static List<Score> compute(String method, NDManager manager, List<LayerInputs> layers, double kernelScale, int miTokens, long seed,
            double ridge) {
        List<Score> out = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(seed);
        for (int l = 0; l < layers.size(); l++) {
            LayerInputs in = layers.get(l);
            double change = relativeChange(in.blockInput(), in.blockOutput());
            out.add(switch (method) {
                case "mi-pairwise" -> {
                    double bits = renyi(manager, in, new RenyiMutualInformation(kernelScale), miTokens, seed + l);
                    yield new Score(-bits, bits, change);
                }
                case "mi" -> new Score(unexplainedUpdate(manager, in, ridge), Double.NaN, change);
                case "magnitude" -> new Score(in.outputWeightEnergy(), Double.NaN, change);
                case "flap" -> new Score(fluctuation(in), Double.NaN, change);
                case "random" -> new Score(random.nextDouble(), Double.NaN, change);
                default -> new Score(meanNormRatio(in), Double.NaN, change);
            });
        }
        return out;
    }

    static double renyi(NDManager manager, LayerInputs l, RenyiMutualInformation mi, int tokens, long seed) {
        Tensor in = l.blockInput(), o = l.blockOutput();
        int[] rows = TokenSubsample.indices(in.dim(0), tokens, seed);
        Tensor a = in.selectRows(rows), b = o.selectRows(rows);
        int n = rows.length, h = in.dim(1);
        float[] both = new float[n * 2 * h];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a.data(), i * h, both, i * 2 * h, h);
            System.arraycopy(b.data(), i * h, both, i * 2 * h + h, h);
        }
        MiMatrix m = mi.pairwiseVectors(manager, both, n, 2, h);
        return m.get(0, 1);
    }

    /** tr(Σ_ΔΔ − Σ_Δx (Σ_xx + λI)⁻¹ Σ_xΔ) / tr Σ_xx, centred, in float64; λ = ridge · mean diag Σ_xx. */
    static double unexplainedUpdate(NDManager manager, LayerInputs l, double ridge) {
        int n = l.blockInput().dim(0), h = l.blockInput().dim(1);
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(l.blockInput().data(), new Shape(n, h)).toType(DataType.FLOAT64, false);
            NDArray y = m.create(l.blockOutput().data(), new Shape(n, h)).toType(DataType.FLOAT64, false);
            NDArray d = y.sub(x);
            x = x.sub(x.mean(new int[] {0}));
            d = d.sub(d.mean(new int[] {0}));
            NDArray sxx = x.transpose().matMul(x).div(n);
            NDArray sxd = x.transpose().matMul(d).div(n);
            double trX = sxx.diagonal().sum().getDouble();
            double trD = d.square().sum().getDouble() / n;
            if (!(trX > 0)) {
                return trD;
            }
            double lambda = ridge * trX / h;
            NDArray solved = sxx.add(m.eye(h, h, 0, DataType.FLOAT64).mul(lambda)).inverse().matMul(sxd);
            double explained = sxd.mul(solved).sum().getDouble();
            return Math.max(0, trD - explained) / trX;
        }
    }

    static double fluctuation(LayerInputs l) {
        return centredEnergy(l.blockInput(), l.blockOutput()) / Math.max(centredEnergy(l.blockInput(), null), 1e-30);
    }

    static double meanNormRatio(LayerInputs l) {
        Tensor in = l.blockInput(), o = l.blockOutput();
        int n = in.dim(0), h = in.dim(1);
        double du = 0, xu = 0;
        for (int i = 0; i < n; i++) {
            double sd = 0, sx = 0;
            for (int c = 0; c < h; c++) {
                double x = in.data()[i * h + c], diff = o.data()[i * h + c] - x;
                sd += diff * diff;
                sx += x * x;
            }
            du += Math.sqrt(sd);
            xu += Math.sqrt(sx);
        }
        return du / Math.max(xu, 1e-30);
    }

    /** Σ_t ||v_t − mean v||² with v = out − in, or v = in when out is null. */
    private static double centredEnergy(Tensor in, Tensor out) {
        int n = in.dim(0), h = in.dim(1);
        double[] mean = new double[h];
        double total = 0;
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < h; c++) {
                double v = out == null ? in.data()[i * h + c] : out.data()[i * h + c] - in.data()[i * h + c];
                mean[c] += v / n;
                total += v * v;
            }
        }
        for (double m : mean) {
            total -= n * m * m;
        }
        return Math.max(0, total);
    }

    static double relativeChange(Tensor in, Tensor o) {
        double diff = 0, base = 0;
        for (int i = 0; i < in.numel(); i++) {
            double d = o.data()[i] - in.data()[i];
            diff += d * d;
            base += (double) in.data()[i] * in.data()[i];
        }
        return Math.sqrt(diff / Math.max(base, 1e-30));
    }
}
