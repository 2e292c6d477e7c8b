package dev.secateur.events;

import com.fasterxml.jackson.annotation.JsonCreator;

/** Which neurons/heads to remove; see DESIGN.md §2 for what each criterion scores. */
public enum PruneMethod implements JsonEnum {
    /** Set-form MI (what the kept neurons jointly know about a neuron, × its output energy); the default. */
    MI,
    /** The seed paper's pairwise-max Rényi α = 2 redundancy, with relevance breaking ties. */
    MI_PAIRWISE,
    MAGNITUDE,
    RANDOM,
    WANDA_SP,
    FLAP,
    /** LLM-Pruner's Taylor importance (request field taylor: vector, element or second-order). */
    TAYLOR,
    /** Adaptive estimation fusion (Liu et al.): vector- and element-wise Taylor fused per layer with a weight from their split-half noise. */
    FUSION,
    /** Forward-only Bernoulli mask optimisation of FFN neurons under a parameter budget (Gao et al., arXiv 2406.10576). */
    MASK_OPT,
    /** Weight sparsity: zero the lowest |W_ij|·‖X_j‖₂ of each output row (Wanda); needs a sparsity. */
    WANDA,
    /** Weight sparsity: OBS reconstruction of each linear layer from H = XᵀX (SparseGPT); needs a sparsity. */
    SPARSEGPT,
    /** Weight sparsity: SparseGPT for attention, gate/up/down coupled through auxiliary variables (SparseLLM); needs a sparsity. */
    SPARSELLM;

    /** True for the methods that zero single weights rather than remove whole neurons, heads or layers. */
    public boolean prunesWeights() {
        return this == WANDA || this == SPARSEGPT || this == SPARSELLM;
    }

    @JsonCreator
    public static PruneMethod fromJson(String value) {
        return JsonEnum.parse(PruneMethod.class, "method", value);
    }
}
