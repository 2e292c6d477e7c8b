package dev.secateur.prune.sparsity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;
import java.util.ArrayList;
import java.util.List;

/**
 * SparseLLM's coupling of a gated FFN (arXiv 2402.17946), our reading of it for SwiGLU blocks: instead of pruning
 * gate, up and down each against its own dense output, the three are pruned against the FFN's dense output
 * Y = down(silu(X W_gᵀ) ⊙ X W_uᵀ) through auxiliary variables for the gate and up pre-activations (P_g, P_u) and the
 * activations Z, minimising
 * <pre>
 *   L = α‖Z Ŵ_dᵀ − Y‖² + β‖Z − silu(P_g) ⊙ P_u‖² + γ‖P_u − X Ŵ_uᵀ‖² + γ‖P_g − X Ŵ_gᵀ‖²
 * </pre>
 * by alternating updates, each of which cannot increase L:
 * <ol>
 * <li>Z in closed form: (α Ŵ_dᵀŴ_d + β I) z = α Ŵ_dᵀ y + β silu(p_g) ⊙ p_u for every token;</li>
 * <li>P_u in closed form, element by element: (β σ z + γ q_u) / (β σ² + γ) with σ = silu(p_g), q_u = X Ŵ_uᵀ;</li>
 * <li>P_g, which enters through silu, by one Gauss–Newton step per element, kept only where it lowers that element's
 * terms;</li>
 * <li>each weight towards its auxiliary target, min ‖A Ŵᵀ − T‖² over sparse Ŵ, from two candidates: the exact
 * least-squares refit of the kept weights under the current mask (row by row on the kept inputs' Gram matrix), and a
 * SparseGPT subproblem (SparseGPT's mask and OBS update applied to the least-squares weight W* that maps the input to
 * the target, which may move the mask); the best of these and the current weight is kept, so the term cannot rise.</li>
 * </ol>
 * Iteration 0 is plain SparseGPT of the three layers on the dense block's inputs, so SparseLLM starts where
 * SparseGPT ends. Computed in float64 on the device; SparseGPT's own loop runs in Java.
 */
public final class SparseLlmFfn {
    public static final int DEFAULT_ITERATIONS = 4;

    /** The objective after iteration 0 and after each later iteration, and the FFN's real output error ‖FFN(X) − Y‖² for both ends. */
    public record Result(LayerWeights weights, List<Double> objective, double plainOutputError, double outputError) {
        /** The figures without the weights, for the report. */
        public Trace trace(int layer) {
            return new Trace(layer, objective, plainOutputError, outputError);
        }
    }

    /**
     * One block's run, as report.json gives it.
     *
     * @param objective L after iteration 0 (plain SparseGPT) and after each alternating iteration
     * @param plainOutputError ‖FFN(X) − Y‖² of plain SparseGPT's gate/up/down on the calibration tokens
     * @param outputError the same for SparseLLM's final weights
     */
    public record Trace(int layer, List<Double> objective, double plainOutputError, double outputError) {
    }

    private final SparseGptMethod gpt;
    private final int iterations;
    private final double alpha;
    private final double beta;
    private final double gamma;

    public SparseLlmFfn(SparseGptMethod gpt, int iterations, double alpha, double beta, double gamma) {
        if (iterations < 0 || !(alpha > 0 && beta > 0 && gamma > 0)) {
            throw new IllegalArgumentException("sparsellm needs iterations >= 0 and α, β, γ > 0");
        }
        this.gpt = gpt;
        this.iterations = iterations;
        this.alpha = alpha;
        this.beta = beta;
        this.gamma = gamma;
    }

    public SparseLlmFfn() {
        this(new SparseGptMethod(), DEFAULT_ITERATIONS, 1, 1, 1);
    }

    /**
     * @param w a block with a gated SiLU FFN (the Llama family)
     * @param x the FFN's input (after the norm) on the calibration tokens, [tokens, hidden]
     */
    public Result sparsify(LayerWeights w, Tensor x, SparsityTarget target, NDManager manager) {
        if (w.gate() == null) {
            throw new IllegalArgumentException("sparsellm couples a gated FFN (gate, up, down: Llama, Mistral, Qwen2, Qwen3); this block has no gate");
        }
        try (NDManager m = manager.newSubManager()) {
            NDArray xs = f64(m, x);
            NDArray pg = xs.matMul(f64(m, w.gate()).transpose());
            NDArray pu = xs.matMul(f64(m, w.up()).transpose());
            NDArray z = silu(pg).mul(pu);
            NDArray y = z.matMul(f64(m, w.down()).transpose());
            InputGram hx = gram(xs);

            // iteration 0: SparseGPT of each layer against its own dense output
            Tensor gate = gpt.sparsify(w.gate(), hx, target);
            Tensor up = gpt.sparsify(w.up(), hx, target);
            Tensor down = gpt.sparsify(w.down(), gram(z), target);
            double plain = outputError(m, xs, y, gate, up, down);
            List<Double> objective = new ArrayList<>();
            objective.add(objective(m, xs, y, z, pg, pu, gate, up, down));

            for (int it = 0; it < iterations; it++) {
                z = replace(z, updateActivations(m, y, pg, pu, down));
                pu = replace(pu, updateUp(m, xs, z, pg, up));
                pg = replace(pg, gaussNewtonGate(m, xs, z, pg, pu, gate));

                down = fit(m, z, y, down, target);
                up = fit(m, xs, pu, up, target);
                gate = fit(m, xs, pg, gate, target);
                objective.add(objective(m, xs, y, z, pg, pu, gate, up, down));
            }
            double end = outputError(m, xs, y, gate, up, down);
            return new Result(w.withMlp(gate, w.gateBias(), up, w.upBias(), down, w.downBias()), objective, plain, end);
        }
    }

    /*
     * Every step below runs in its own NDScope, so its temporaries ([tokens, ffn] float64 arrays) are freed when it
     * returns and only the new state survives: without that, a block's iterations held gigabytes until the block ended.
     */

    /** The old state array goes as soon as its successor exists. */
    private static NDArray replace(NDArray old, NDArray next) {
        old.close();
        return next;
    }

    /** Z = (α Y Ŵ_d + β silu(P_g) ⊙ P_u)(α Ŵ_dᵀŴ_d + β I)⁻¹, the exact minimiser over Z. */
    private NDArray updateActivations(NDManager m, NDArray y, NDArray pg, NDArray pu, Tensor down) {
        try (NDScope scope = new NDScope()) {
            NDArray wd = f64(m, down);
            NDArray a = wd.transpose().matMul(wd).mul(alpha).add(m.eye(down.dim(1), down.dim(1), 0, DataType.FLOAT64).mul(beta));
            NDArray z = y.matMul(wd).mul(alpha).add(silu(pg).mul(pu).mul(beta)).matMul(a.inverse());
            NDScope.unregister(z);
            return z;
        }
    }

    /** P_u = (β σ ⊙ Z + γ X Ŵ_uᵀ) / (β σ² + γ) with σ = silu(P_g), the exact minimiser over P_u. */
    private NDArray updateUp(NDManager m, NDArray xs, NDArray z, NDArray pg, Tensor up) {
        try (NDScope scope = new NDScope()) {
            NDArray qu = xs.matMul(f64(m, up).transpose());
            NDArray s = silu(pg);
            NDArray pu = s.mul(z).mul(beta).add(qu.mul(gamma)).div(s.square().mul(beta).add(gamma));
            NDScope.unregister(pu);
            return pu;
        }
    }

    /** One Gauss–Newton step on β(z − silu(p)·u)² + γ(p − q)² per element, kept where it lowers that sum. */
    private NDArray gaussNewtonGate(NDManager m, NDArray xs, NDArray z, NDArray pg, NDArray pu, Tensor gate) {
        try (NDScope scope = new NDScope()) {
            NDArray q = xs.matMul(f64(m, gate).transpose());
            NDArray sig = Activation.sigmoid(pg);
            NDArray r = z.sub(pg.mul(sig).mul(pu));
            NDArray j = sig.mul(pg.mul(sig.neg().add(1)).add(1)).mul(pu); // d(silu(p)·u)/dp
            NDArray step = j.mul(r).mul(beta).sub(pg.sub(q).mul(gamma)).div(j.square().mul(beta).add(gamma));
            NDArray next = pg.add(step);
            NDArray before = gateTerms(z, pg, pu, q), after = gateTerms(z, next, pu, q);
            NDArray kept = NDArrays.where(after.lt(before), next, pg);
            NDScope.unregister(kept);
            return kept;
        }
    }

    private NDArray gateTerms(NDArray z, NDArray p, NDArray u, NDArray q) {
        return z.sub(silu(p).mul(u)).square().mul(beta).add(p.sub(q).square().mul(gamma));
    }

    /**
     * The SparseGPT subproblem min ‖A Ŵᵀ − T‖² over sparse Ŵ: with W* the least-squares weight, the objective is
     * ‖A (Ŵ − W*)ᵀ‖² plus a constant, which is SparseGPT's layer objective for W* on H = AᵀA. The current weight
     * stays if the new one is not better.
     */
    private Tensor fit(NDManager m, NDArray inputs, NDArray t, Tensor current, SparsityTarget target) {
        try (NDScope scope = new NDScope()) {
            return fitInScope(m, inputs, t, current, target);
        }
    }

    private Tensor fitInScope(NDManager m, NDArray inputs, NDArray t, Tensor current, SparsityTarget target) {
        InputGram h = gram(inputs);
        NDArray hd = m.create(h.h(), new Shape(h.inputs(), h.inputs()));
        double trace = 0;
        for (int j = 0; j < h.inputs(); j++) {
            trace += h.h()[j * h.inputs() + j];
        }
        // a little ridge, as SparseGPT's dampening, so that a rank-deficient input still has one least-squares weight
        double damp = 0.01 * trace / h.inputs() + 1e-12;
        NDArray wStar = hd.add(m.eye(h.inputs(), h.inputs(), 0, DataType.FLOAT64).mul(damp)).inverse().matMul(inputs.transpose().matMul(t))
                .transpose();
        NDArray at = inputs.transpose().matMul(t);
        Tensor best = current;
        double bestError = squaredNorm(inputs.matMul(f64(m, current).transpose()).sub(t));
        for (Tensor candidate : new Tensor[] {refitKept(current, h, at.toDoubleArray(), damp * 1e-4), gpt.sparsify(tensor(wStar), h, target)}) {
            double e = squaredNorm(inputs.matMul(f64(m, candidate).transpose()).sub(t));
            if (e < bestError) {
                best = candidate;
                bestError = e;
            }
        }
        return best;
    }

    /**
     * Least squares of each row on its kept inputs only: (H_KK + εI) ŵ_K = (Aᵀt)_K, zeros stay zero.
     *
     * @param at Aᵀ T, [inputs, outputs] row-major
     */
    private static Tensor refitKept(Tensor current, InputGram h, double[] at, double ridge) {
        int rows = current.dim(0), n = current.dim(1);
        float[] out = new float[rows * n];
        for (int r = 0; r < rows; r++) {
            int row = r;
            int[] kept = java.util.stream.IntStream.range(0, n).filter(j -> current.data()[row * n + j] != 0f).toArray();
            int k = kept.length;
            if (k == 0) {
                continue;
            }
            double[] sub = new double[k * k], rhs = new double[k];
            for (int a = 0; a < k; a++) {
                for (int b = 0; b < k; b++) {
                    sub[a * k + b] = h.h()[kept[a] * n + kept[b]];
                }
                sub[a * k + a] += ridge;
                rhs[a] = at[kept[a] * rows + r];
            }
            double[] x = Cholesky.solve(Cholesky.lower(sub, k), k, rhs);
            for (int a = 0; a < k; a++) {
                // a refitted weight that lands on exactly 0 would read as pruned; the smallest float keeps it counted as kept
                out[r * n + kept[a]] = x[a] == 0 ? Float.MIN_VALUE : (float) x[a];
            }
        }
        return new Tensor(current.shape().clone(), out);
    }

    private double objective(NDManager m, NDArray xs, NDArray y, NDArray z, NDArray pg, NDArray pu, Tensor gate, Tensor up, Tensor down) {
        try (NDScope scope = new NDScope()) {
            return objectiveInScope(m, xs, y, z, pg, pu, gate, up, down);
        }
    }

    private double objectiveInScope(NDManager m, NDArray xs, NDArray y, NDArray z, NDArray pg, NDArray pu, Tensor gate, Tensor up, Tensor down) {
        return alpha * squaredNorm(z.matMul(f64(m, down).transpose()).sub(y))
                + beta * squaredNorm(z.sub(silu(pg).mul(pu)))
                + gamma * squaredNorm(pu.sub(xs.matMul(f64(m, up).transpose())))
                + gamma * squaredNorm(pg.sub(xs.matMul(f64(m, gate).transpose())));
    }

    /** ‖FFN(X) − Y‖² of the sparse FFN itself, auxiliaries aside. */
    private static double outputError(NDManager m, NDArray xs, NDArray y, Tensor gate, Tensor up, Tensor down) {
        try (NDScope scope = new NDScope()) {
            NDArray inner = silu(xs.matMul(f64(m, gate).transpose())).mul(xs.matMul(f64(m, up).transpose()));
            return squaredNorm(inner.matMul(f64(m, down).transpose()).sub(y));
        }
    }

    private static NDArray silu(NDArray p) {
        return p.mul(Activation.sigmoid(p));
    }

    private static double squaredNorm(NDArray a) {
        return a.square().sum().getDouble();
    }

    private static InputGram gram(NDArray a) {
        double[] h;
        try (NDScope scope = new NDScope()) {
            h = a.transpose().matMul(a).toDoubleArray();
        }
        int d = Math.toIntExact(a.getShape().get(1));
        return new InputGram(d, Math.toIntExact(a.getShape().get(0)), h);
    }

    private static NDArray f64(NDManager m, Tensor t) {
        return m.create(t.data(), new Shape(t.dim(0), t.dim(1))).toType(DataType.FLOAT64, false);
    }

    private static Tensor tensor(NDArray a) {
        double[] d = a.toDoubleArray();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return new Tensor(new int[] {Math.toIntExact(a.getShape().get(0)), Math.toIntExact(a.getShape().get(1))}, f);
    }
}
