package dev.secateur.model;

import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A decoder-only model whose parts are fetched one at a time, so that a caller that walks the model block by
 * block holds one block at once. {@link DecoderWeights} is the in-memory form; {@link StreamedCheckpoint} reads
 * each part from memory-mapped safetensors when asked and keeps nothing.
 */
public interface DecoderSource {
    ModelConfig config();

    int numLayers();

    /** Block {@code i} widened to float32; a streamed source reads it anew on every call. */
    LayerWeights layer(int i);

    /** Sizes of block {@code i} without reading its weights. */
    LayerSizes layerSizes(int i);

    Tensor tokenEmbedding();

    /** Learned positions (GPT-2), or null. */
    Tensor positionEmbedding();

    Tensor finalNorm();

    Tensor finalNormBias();

    /** The output projection; the token embedding itself when {@link #tied()}. */
    Tensor lmHead();

    /** The output projection's bias [vocab] (Phi's), or null: logits are h·lmHeadᵀ + lmHeadBias. */
    Tensor lmHeadBias();

    boolean tied();

    /** Parameters, counted from the shapes alone. */
    long parameterCount();

    default int headDim() {
        return config().headDim();
    }

    default List<LayerSizes> layerSizes() {
        List<LayerSizes> out = new ArrayList<>();
        for (int i = 0; i < numLayers(); i++) {
            out.add(layerSizes(i));
        }
        return out;
    }
}
