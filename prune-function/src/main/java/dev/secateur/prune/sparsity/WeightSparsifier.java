package dev.secateur.prune.sparsity;

import dev.secateur.model.SparsityPattern;

import ai.djl.ndarray.NDManager;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerSizes;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.model.CaptureSite;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The engine's weight-sparsity step for one block: every linear layer (q/k/v/o, gate/up/down) is made sparse by the
 * chosen method from the block's captured inputs to that layer. The inputs come from one pass of the block as the
 * carried calibration states reach it (pruned earlier blocks under sequential calibration), as Wanda's and SparseGPT's
 * reference loops do; layers sharing an input share its Gram matrix, which is dropped when the block is done.
 */
public final class WeightSparsifier {
    private final String name;
    private final WeightSparsityMethod method;
    private final SparseLlmFfn ffnCoupling;
    private final SparsityTarget target;
    private final NDManager manager;
    private final List<SparseLlmFfn.Trace> coupled = new java.util.ArrayList<>();

    /** Every linear layer sparsified on its own by {@code method}. */
    public WeightSparsifier(WeightSparsityMethod method, SparsityTarget target, NDManager manager) {
        this(method.name(), method, null, target, manager);
    }

    /**
     * @param ffnCoupling when not null, gate/up/down are sparsified together by it (SparseLLM), the attention layers by
     *     {@code method}
     */
    public WeightSparsifier(String name, WeightSparsityMethod method, SparseLlmFfn ffnCoupling, SparsityTarget target, NDManager manager) {
        this.name = name;
        this.method = method;
        this.ffnCoupling = ffnCoupling;
        this.target = target;
        this.manager = manager;
    }

    /** What the FFN coupling did in each block so far (objective per iteration, output errors); empty without one. */
    public List<SparseLlmFfn.Trace> coupledTraces() {
        return List.copyOf(coupled);
    }

    /**
     * Refuses, before any work, a pattern whose groups cannot tile some layer's inputs: q/k/v and gate/up read the
     * hidden size, o the layer's heads × headDim, down its FFN width.
     */
    public static void requireTileable(int hidden, int headDim, List<LayerSizes> layers, SparsityPattern p) {
        for (int l = 0; l < layers.size(); l++) {
            LayerSizes s = layers.get(l);
            for (String problem : new String[] {p.widthProblem(hidden, "layer " + l + " q/k/v/gate/up (hidden size)"),
                    s.heads() == 0 ? null : p.widthProblem(s.heads() * headDim, "layer " + l + " o_proj"),
                    s.ffn() == 0 ? null : p.widthProblem(s.ffn(), "layer " + l + " down_proj (FFN width)")}) {
                if (problem != null) {
                    throw new IllegalArgumentException(problem);
                }
            }
        }
    }

    public SparsityTarget target() {
        return target;
    }

    public String methodName() {
        return name;
    }

    /**
     * @param inputs the block's captured inputs [tokens, width] by capture site
     * @return the block with every linear weight replaced by its sparse version
     */
    public LayerWeights sparsify(int layer, LayerWeights w, Function<CaptureSite, Tensor> inputs) {
        Map<CaptureSite, InputGram> grams = new EnumMap<>(CaptureSite.class);
        if (ffnCoupling != null && w.gate() == null) {
            throw new IllegalArgumentException("method " + name + " couples a gated FFN (gate, up, down: Llama, Mistral, Qwen2, Qwen3); layer " + layer
                    + " has no gate (GPT-2 and BERT blocks do not): use sparsegpt");
        }
        boolean coupleFfn = ffnCoupling != null && w.ffnWidth() > 0;
        for (LinearSite site : LinearSite.values()) {
            Tensor weight = site.weight(w);
            if (weight == null || weight.numel() == 0) {
                continue;
            }
            String where = "layer " + layer + " " + site.matrix();
            String problem = target.pattern().widthProblem(weight.dim(1), where);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            if (coupleFfn && (site == LinearSite.GATE || site == LinearSite.UP || site == LinearSite.DOWN)) {
                continue;
            }
            InputGram gram = grams.computeIfAbsent(site.input(), s -> {
                Tensor x = inputs.apply(s);
                if (x == null) {
                    throw new IllegalStateException("no calibration inputs were captured for " + where + " (site " + s + ")");
                }
                return InputGram.of(x, manager);
            });
            if (gram.inputs() != weight.dim(1)) {
                throw new IllegalStateException(where + " has " + weight.dim(1) + " inputs but its captured input has " + gram.inputs());
            }
            w = site.with(w, method.sparsify(weight, gram, target));
        }
        if (coupleFfn) {
            Tensor x = inputs.apply(CaptureSite.FFN_INPUT);
            if (x == null) {
                throw new IllegalStateException("no calibration inputs were captured for layer " + layer + "'s FFN");
            }
            SparseLlmFfn.Result r = ffnCoupling.sparsify(w, x, target, manager);
            coupled.add(r.trace(layer));
            w = r.weights();
        }
        return w;
    }
}
