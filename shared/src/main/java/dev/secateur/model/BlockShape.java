package dev.secateur.model;

import dev.secateur.checkpoint.Checkpoint;

/**
 * The row counts a block's tensors are read with: the residual width, the query rows (heads × head_dim), the key/value
 * rows, the FFN neurons, and the prefix of the block's tensor names.
 */
record BlockShape(int hidden, int qRows, int kvRows, int ffn, String prefix) {

    static BlockShape of(Checkpoint ck, LayerSizes sizes, int layer) {
        int hd = ck.config().headDim();
        return new BlockShape(ck.config().hiddenSize(), sizes.heads() * hd, sizes.kvHeads() * hd, sizes.ffn(),
                "model.layers." + layer + ".");
    }
}
