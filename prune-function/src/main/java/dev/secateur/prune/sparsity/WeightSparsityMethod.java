package dev.secateur.prune.sparsity;

import dev.secateur.checkpoint.Tensor;

/**
 * One way to make a linear layer's weight sparse from its calibration inputs: which weights become zero, and what
 * the others become. The engine's {@link WeightSparsifier} runs every method the same way over every block.
 */
public interface WeightSparsityMethod {
    String name();

    /**
     * @param weight [out, in], left unchanged
     * @param gram XᵀX of the layer's inputs, [in, in]
     * @return a new [out, in] weight with the target's zeros (exactly 0.0f) in the target's pattern
     */
    Tensor sparsify(Tensor weight, InputGram gram, SparsityTarget target);
}
