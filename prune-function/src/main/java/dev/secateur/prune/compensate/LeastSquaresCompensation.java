package dev.secateur.prune.compensate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.prune.linalg.SymmetricGram;

/**
 * Refits the output projection from the kept units so that its output on calibration tokens is reproduced:
 * W' = argmin ||Z_K W'ᵀ + b' − (Z Wᵀ + b)||² + λ||W' − W_K||², solved on the DJL device (float64) from the
 * kept rows of the second-moment matrix: W'ᵀ = (S_KK + λI)⁻¹ (S_K: Wᵀ + λ W_Kᵀ), with S the covariance and
 * b' = b + Wμ − W'μ_K when fitting the bias (else S = ZᵀZ/n, b unchanged: where {@link BiasSites} says the
 * checkpoint cannot hold a bias at that projection, and the identity refit of a dropped layer). The ridge pulls toward the original
 * kept columns, not toward zero, so the calibration error is never above "none" (W' = W_K is feasible).
 * λ = ridge · mean(diag S_KK). down_proj for FFN neurons, o_proj for heads.
 */
public final class LeastSquaresCompensation extends OutputProjectionCompensator {
    private final NDManager manager;
    private final double ridge;

    public LeastSquaresCompensation(NDManager manager, double ridge, BiasSites sites) {
        super(sites);
        this.manager = manager;
        this.ridge = ridge;
    }

    @Override
    public String name() {
        return "lsq";
    }

    private static Tensor require(Tensor z) {
        if (z == null) {
            throw new IllegalStateException("least-squares compensation needs calibration activations");
        }
        return z;
    }

    /** @return {weight [h, d] with kept columns refit and removed columns zero, bias [h] (or the old one)} */
    @Override
    public Tensor[] refit(Tensor weight, Tensor bias, Tensor z, int[] keptColumns, boolean fitBias) {
        return refit(weight, bias, require(z), keptColumns, null, fitBias);
    }

    /**
     * As {@link #refit(Tensor, Tensor, Tensor, int[], boolean)} with the target moved by {@code extra} [n, h] (row t of the
     * calibration tokens): the fit reproduces Z Wᵀ + b + extra, i.e. the rhs gains Z_Kᵀ(extra − mean)/n and the bias
     * mean(extra). A dropped layer's missing update is such an extra target for the block after it.
     */
    public Tensor[] refit(Tensor weight, Tensor bias, Tensor z, int[] keptColumns, Tensor extra, boolean fitBias) {
        int n = z.dim(0), d = z.dim(1), h = weight.dim(0), k = keptColumns.length;
        // every d×d or k×d intermediate is closed as soon as the next one exists: at TinyLlama's width (5632) each is
        // 150–250 MB in float64, and holding them all at once doubled the job's peak memory
        try (NDManager m = manager.newSubManager()) {
            NDArray kept = m.create(toLong(keptColumns));
            NDArray mu, sAll, cross = null, extraMean = null;
            try (NDManager t = m.newSubManager()) {
                NDArray x = t.create(z.data(), new Shape(n, d)).toType(DataType.FLOAT64, false);
                mu = x.mean(new int[] {0});
                mu.attach(m);
                if (fitBias) {
                    x.subi(mu);
                }
                sAll = SymmetricGram.of(t, x).divi(n); // [d, d]: both blocks of the second moment come from it
                sAll.attach(m);
                if (extra != null) {
                    NDArray e = t.create(extra.data(), new Shape(n, h)).toType(DataType.FLOAT64, false);
                    if (fitBias) {
                        extraMean = e.mean(new int[] {0});
                        extraMean.attach(m);
                        e.subi(extraMean);
                    }
                    cross = x.get(new ai.djl.ndarray.index.NDIndex(":, {}", kept)).transpose().matMul(e).divi(n); // [k, h]
                    cross.attach(m);
                }
            }
            NDArray skAll = sAll.get(kept); // [k, d]
            sAll.close();
            NDArray skk = skAll.get(new ai.djl.ndarray.index.NDIndex(":, {}", kept)); // [k, k]
            NDArray wt = m.create(weight.data(), new Shape(h, d)).toType(DataType.FLOAT64, false).transpose(); // [d, h]
            NDArray wkt = wt.get(kept); // [k, h]
            double lambda = ridge * skk.diagonal().mean().getDouble();
            if (!(lambda > 0)) {
                lambda = ridge;
            }
            NDArray rhs = skAll.matMul(wt);
            skAll.close();
            rhs.addi(wkt.mul(lambda));
            if (cross != null) {
                rhs.addi(cross);
            }
            skk.addi(m.eye(k, k, 0, DataType.FLOAT64).muli(lambda));
            NDArray inverse = skk.inverse();
            skk.close();
            NDArray newWkt = inverse.matMul(rhs); // [k, h]
            inverse.close();
            rhs.close();
            double[] nw = newWkt.toDoubleArray();
            float[] full = new float[h * d];
            for (int i = 0; i < k; i++) {
                int c = keptColumns[i];
                for (int r = 0; r < h; r++) {
                    full[r * d + c] = (float) nw[i * h + r];
                }
            }
            Tensor newBias = bias;
            if (fitBias) {
                // b' = b + W μ − W' μ_K
                NDArray shift = mu.expandDims(0).matMul(wt).sub(mu.get(kept).expandDims(0).matMul(newWkt)).reshape(h);
                if (extraMean != null) {
                    shift = shift.add(extraMean);
                }
                double[] s = shift.toDoubleArray();
                float[] b = bias == null ? new float[h] : bias.data().clone();
                for (int r = 0; r < h; r++) {
                    b[r] += (float) s[r];
                }
                newBias = new Tensor(new int[] {h}, b);
            }
            return new Tensor[] {new Tensor(new int[] {h, d}, full), newBias};
        }
    }

    private static long[] toLong(int[] a) {
        long[] r = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i];
        }
        return r;
    }
}
