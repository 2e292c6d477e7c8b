package dev.secateur.prune.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The arithmetic of one block of a model family, so that {@link DeviceBlock} and the pruning loop run decoders
 * ({@link BlockForward}: pre-norm, causal) and encoders ({@link EncoderBlockForward}: post-LN, padding masked) alike.
 */
public interface BlockMath {
    /**
     * @param x    hidden states [B, T, hidden]
     * @param mask [B, T] float, 1 for a real token and 0 for padding; null when every token is real
     * @param pass the manager everything computed on the way belongs to
     */
    NDArray block(int index, LayerArrays l, NDArray x, NDArray mask, NDManager pass, ForwardCapture capture);
}
