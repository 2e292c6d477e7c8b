package dev.secateur.prune.train;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * What the training loop needs of a language model: logits for a batch of ids, computed with differentiable
 * NDArray ops, and the live weight arrays that the optimizer updates in place.
 */
public interface CausalLm {

    /**
     * @param ids [batch, seq] int64 token ids
     * @return logits [batch, seq, vocab] float32, attached to the ids' manager
     */
    NDArray logits(NDArray ids);

    /** The trainable weight arrays by a stable name (each array once, even when tied). */
    Map<String, NDArray> parameters();
}
