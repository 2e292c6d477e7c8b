package dev.secateur.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Which neurons/heads to remove; see DESIGN.md §2 for what each criterion scores. */
public enum PruneMethod implements JsonEnum {
    /** Set-form MI (what the kept neurons jointly know about a neuron, × its output energy); the default. */
    MI("mi"),
    /** The seed paper's pairwise-max Rényi α = 2 redundancy, with relevance breaking ties. */
    MI_PAIRWISE("mi-pairwise"),
    MAGNITUDE("magnitude"),
    RANDOM("random"),
    WANDA_SP("wanda-sp"),
    FLAP("flap"),
    /** LLM-Pruner's Taylor importance (request field taylor: vector, element or second-order). */
    TAYLOR("taylor"),
    /** Adaptive estimation fusion (Liu et al.): vector- and element-wise Taylor fused per layer with a weight from their split-half noise. */
    FUSION("fusion"),
    /** Forward-only Bernoulli mask optimisation of FFN neurons under a parameter budget (Gao et al., arXiv 2406.10576). */
    MASK_OPT("mask-opt"),
    /** Weight sparsity: zero the lowest |W_ij|·‖X_j‖₂ of each output row (Wanda); needs a sparsity. */
    WANDA("wanda"),
    /** Weight sparsity: OBS reconstruction of each linear layer from H = XᵀX (SparseGPT); needs a sparsity. */
    SPARSEGPT("sparsegpt"),
    /** Weight sparsity: SparseGPT for attention, gate/up/down coupled through auxiliary variables (SparseLLM); needs a sparsity. */
    SPARSELLM("sparsellm");

    private final String json;

    PruneMethod(String json) {
        this.json = json;
    }

    /** True for the methods that zero single weights rather than remove whole neurons, heads or layers. */
    public boolean prunesWeights() {
        return this == WANDA || this == SPARSEGPT || this == SPARSELLM;
    }

    @JsonValue
    @Override
    public String json() {
        return json;
    }

    @JsonCreator
    public static PruneMethod fromJson(String value) {
        return JsonEnum.parse(PruneMethod.class, "method", value);
    }
}
