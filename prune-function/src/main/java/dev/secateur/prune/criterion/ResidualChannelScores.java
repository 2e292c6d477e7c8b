package dev.secateur.prune.criterion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;
import dev.secateur.model.TargetShape;
import dev.secateur.prune.mi.ScalarSetElimination;
import dev.secateur.prune.plan.HiddenPlan;
import dev.secateur.prune.plan.UnitAllocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import dev.secateur.prune.linalg.SymmetricGram;

/**
 * Scores of the residual (hidden) channels for hidden pruning, from every place the dense model reads the residual
 * stream: each block's input_layernorm (read by q/k/v), its post_attention_layernorm (read by gate/up) and the final
 * norm (read by the LM head). Removing channel c zeroes it at every one of these readers, so each criterion sums, over
 * the reading sites s, a per-site cost of column c of the readers W_s (q, k, v stacked; gate, up stacked; lm_head) with
 * X_s the normed input they see (RMSNorm output, gain g_s included) and u_s = x_s / rms(x_s) the normalised stream:
 * <ul>
 *   <li>magnitude: Σ_s ‖W_s[:, c]‖² g_{s,c}² (weights alone)
 *   <li>wanda-sp: Σ_s Σ_i |W_s[i, c]| · ‖X_{s,c}‖₂
 *   <li>flap: Σ_s Var(X_{s,c}) · ‖W_s[:, c]‖²
 *   <li>mi (and mi-pairwise, which has no channel form of its own): the set-MI greedy of {@link ScalarSetElimination} on the
 *       normalised stream pooled over all sites, with energies E_c = Σ_s ‖W_s[:, c]‖² g_{s,c}²: each step removes the
 *       channel with the least E_c · Var(u_c | kept channels), the reader output a least-squares fold from the kept
 *       channels cannot recover
 *   <li>random: seeded
 * </ul>
 * The statistics are collected block by block in the statistics pass over the dense model (nothing of a block is kept
 * but these sums and, for mi and the fold, a subsample of the normalised stream per site), so every site is seen before
 * any block is cut. Sites of layers that end up dropped are left out of the choice.
 */
public final class ResidualChannelScores {
    /** One reading site's sums over its calibration rows. */
    private static final class Site {
        final int layer; // -1: the final norm
        int rows;
        final double[] share; // Σ_t x_c² / ‖x_t‖²
        final double[] inSum, inSq; // Σ_t X_c, Σ_t X_c²
        final double[] readAbs, readSq; // Σ_i |W_ic|, Σ_i W_ic²
        final double[] gain;
        float[] sample; // normalised stream rows, [sampleRows, d]
        int sampleRows;

        Site(int layer, int d) {
            this.layer = layer;
            share = new double[d];
            inSum = new double[d];
            inSq = new double[d];
            readAbs = new double[d];
            readSq = new double[d];
            gain = new double[d];
        }
    }

    private final String criterion;
    private final int d;
    private final int rowsPerSite;
    private final double eps;
    private final long seed;
    private final List<Site> attn = new ArrayList<>(), mlp = new ArrayList<>();
    private Site last;

    /**
     * @param rowsPerSite normalised-stream rows kept per site for mi and the least-squares fold
     * @param eps the model's RMSNorm epsilon
     */
    public ResidualChannelScores(String criterion, int hidden, int rowsPerSite, double eps, long seed) {
        if ("taylor".equals(criterion)) {
            throw new IllegalArgumentException("taylor has no score for hidden channels; use mi, magnitude, wanda-sp, flap or random");
        }
        this.criterion = criterion;
        this.d = hidden;
        this.rowsPerSite = Math.max(1, rowsPerSite);
        this.eps = eps;
        this.seed = seed;
    }

    /**
     * @param input the block's input [n, d] (input_layernorm reads it), @param mid the stream between attention and FFN
     *     (post_attention_layernorm reads it), @param attnIn and @param ffnIn what q/k/v and gate/up see
     */
    public void addBlock(int layer, LayerWeights w, Tensor input, Tensor mid, Tensor attnIn, Tensor ffnIn) {
        attn.add(site(layer, input, attnIn, w.attnNorm(), w.q(), w.k(), w.v()));
        mlp.add(site(layer, mid, ffnIn, w.mlpNorm(), w.gate(), w.up()));
    }

    /**
     * @param output the last block's output [n, d]
     * @param readAbs Σ_i |lm_head[i, c]| per channel, @param readSq Σ_i lm_head[i, c]²
     */
    public void addFinal(Tensor output, Tensor finalNorm, double[] readAbs, double[] readSq) {
        Tensor normed = rmsNorm(output, finalNorm);
        last = site(-1, output, normed, finalNorm);
        System.arraycopy(readAbs, 0, last.readAbs, 0, d);
        System.arraycopy(readSq, 0, last.readSq, 0, d);
    }

    private Tensor rmsNorm(Tensor x, Tensor g) {
        int n = x.dim(0);
        float[] out = new float[n * d];
        for (int t = 0; t < n; t++) {
            double ss = 0;
            for (int c = 0; c < d; c++) {
                double v = x.data()[t * d + c];
                ss += v * v;
            }
            double inv = 1 / Math.sqrt(ss / d + eps);
            for (int c = 0; c < d; c++) {
                out[t * d + c] = (float) (x.data()[t * d + c] * inv * g.data()[c]);
            }
        }
        return new Tensor(new int[] {n, d}, out);
    }

    private Site site(int layer, Tensor stream, Tensor normed, Tensor gain, Tensor... readers) {
        if (stream == null || normed == null) {
            throw new IllegalStateException("hidden scores need the residual stream and the normed inputs of layer " + layer);
        }
        Site s = new Site(layer, d);
        int n = stream.dim(0);
        s.rows = n;
        s.sampleRows = Math.min(n, rowsPerSite);
        s.sample = new float[s.sampleRows * d];
        float[] x = stream.data(), xn = normed.data();
        for (int t = 0; t < n; t++) {
            double ss = 0;
            for (int c = 0; c < d; c++) {
                ss += (double) x[t * d + c] * x[t * d + c];
            }
            double rms = Math.sqrt(ss / d + eps);
            for (int c = 0; c < d; c++) {
                double v = x[t * d + c];
                s.share[c] += ss > 0 ? v * v / ss : 1.0 / d;
                double in = xn[t * d + c];
                s.inSum[c] += in;
                s.inSq[c] += in * in;
                if (t < s.sampleRows) {
                    s.sample[t * d + c] = (float) (v / rms);
                }
            }
        }
        for (int c = 0; c < d; c++) {
            s.gain[c] = gain.data()[c];
        }
        for (Tensor w : readers) {
            if (w == null) {
                continue;
            }
            int rows = w.dim(0);
            for (int i = 0; i < rows; i++) {
                for (int c = 0; c < d; c++) {
                    double v = w.data()[i * d + c];
                    s.readAbs[c] += Math.abs(v);
                    s.readSq[c] += v * v;
                }
            }
        }
        return s;
    }

    /**
     * The channels to keep and the norm scales.
     *
     * @param dropped layers that will not be written (their sites do not vote)
     * @param foldRemoved fold the removed channels into the kept readers by least squares (compensation lsq)
     */
    public HiddenPlan plan(int keep, int[] dropped, TargetShape.NormScale scale, boolean foldRemoved, double ridge, NDManager manager) {
        if (last == null) {
            throw new IllegalStateException("the final norm's statistics are missing");
        }
        if (keep < 1 || keep > d) {
            throw new IllegalArgumentException("hidden=" + keep + " must be in [1, " + d + "]");
        }
        List<Site> sites = new ArrayList<>();
        for (int i = 0; i < attn.size(); i++) {
            final int layer = attn.get(i).layer;
            if (Arrays.stream(dropped).noneMatch(x -> x == layer)) {
                sites.add(attn.get(i));
                sites.add(mlp.get(i));
            }
        }
        sites.add(last);
        int[] removedOrder = removalOrder(sites, d - keep, ridge, manager);
        int[] kept = UnitAllocator.kept(d, removedOrder);
        int layers = attn.size();
        double[] attnScale = new double[layers], mlpScale = new double[layers];
        for (int i = 0; i < layers; i++) {
            attnScale[i] = factor(attn.get(i), kept, scale);
            mlpScale[i] = factor(mlp.get(i), kept, scale);
        }
        Tensor fold = foldRemoved && keep < d ? fold(sites, kept, ridge, manager) : null;
        return new HiddenPlan(d, kept, attnScale, mlpScale, factor(last, kept, scale), fold);
    }

    /** √((d/H)·f): f the kept channels' mean share of ‖x‖² at this norm, the factor that matches the dense rms on average. */
    private double factor(Site s, int[] kept, TargetShape.NormScale scale) {
        double ratio = (double) d / kept.length;
        return switch (scale) {
            case NONE -> 1.0;
            case SQRT -> Math.sqrt(ratio);
            case CALIBRATED -> {
                double f = 0;
                for (int c : kept) {
                    f += s.share[c] / s.rows;
                }
                yield Math.sqrt(ratio * f);
            }
        };
    }

    /** The first {@code steps} channels to remove, in order. */
    private int[] removalOrder(List<Site> sites, int steps, double ridge, NDManager manager) {
        double[] score = new double[d];
        switch (criterion) {
            case "magnitude" -> sites.forEach(s -> forEach(c -> score[c] += s.readSq[c] * s.gain[c] * s.gain[c]));
            case "wanda-sp" -> sites.forEach(s -> forEach(c -> score[c] += s.readAbs[c] * Math.sqrt(s.inSq[c])));
            case "flap" -> sites.forEach(s -> forEach(c -> {
                double mean = s.inSum[c] / s.rows;
                score[c] += Math.max(0, s.inSq[c] / s.rows - mean * mean) * s.readSq[c];
            }));
            case "random" -> {
                SplittableRandom r = new SplittableRandom(seed * 1_000_003L + 977);
                forEach(c -> score[c] = r.nextDouble());
            }
            case "mi", "mi-pairwise" -> {
                double[] energy = new double[d];
                sites.forEach(s -> forEach(c -> energy[c] += s.readSq[c] * s.gain[c] * s.gain[c]));
                ScalarSetElimination.Result r = ScalarSetElimination.run(manager, pooled(sites), energy, ridge, steps,
                        d <= MiSetSelector.FLOAT64_UP_TO ? DataType.FLOAT64 : DataType.FLOAT32);
                return Arrays.copyOf(r.order(), steps);
            }
            default -> throw new IllegalArgumentException("unknown pruning method '" + criterion + "' for hidden channels");
        }
        return Arrays.copyOf(RemovalOrder.ascending(score).order(), steps);
    }

    private void forEach(java.util.function.IntConsumer f) {
        for (int c = 0; c < d; c++) {
            f.accept(c);
        }
    }

    /** The normalised stream rows of every site, stacked [rows, d]. */
    private Tensor pooled(List<Site> sites) {
        int rows = sites.stream().mapToInt(s -> s.sampleRows).sum();
        float[] out = new float[rows * d];
        int at = 0;
        for (Site s : sites) {
            System.arraycopy(s.sample, 0, out, at, s.sample.length);
            at += s.sample.length;
        }
        return new Tensor(new int[] {rows, d}, out);
    }

    /** B = C_RK (C_KK + λI)⁻¹ on the pooled normalised stream: the least-squares prediction of each removed channel from the kept ones. */
    private Tensor fold(List<Site> sites, int[] kept, double ridge, NDManager manager) {
        Tensor z = pooled(sites);
        int[] removed = UnitAllocator.kept(d, kept);
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(z.data(), new Shape(z.dim(0), d)).toType(DataType.FLOAT64, false);
            NDArray xc = x.sub(x.mean(new int[] {0}, true));
            NDArray c = SymmetricGram.of(m, xc).divi(z.dim(0));
            NDArray k = m.create(Arrays.stream(kept).asLongStream().toArray());
            NDArray r = m.create(Arrays.stream(removed).asLongStream().toArray());
            NDArray ckk = c.get(k).transpose().get(k); // symmetric, so the transpose between the two row picks is harmless
            NDArray crk = c.get(r).transpose().get(k).transpose();
            double mean = ckk.diagonal().mean().getDouble();
            double lambda = ridge * mean > 0 ? ridge * mean : ridge;
            NDArray inv = ckk.add(m.eye(kept.length, kept.length, 0, DataType.FLOAT64).mul(lambda)).inverse();
            NDArray b = crk.matMul(inv).toType(DataType.FLOAT32, false);
            return new Tensor(new int[] {removed.length, kept.length}, b.toFloatArray());
        }
    }
}
