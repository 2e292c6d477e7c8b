package dev.secateur.model;

import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.nio.file.Path;
import java.util.List;

/**
 * A whole decoder-only language model in the canonical layout, with per-layer sizes taken from the
 * weights themselves (a pruned model keeps a different FFN width and head count in every layer).
 *
 * @param positionEmbedding learned positions (GPT-2), null for rotary models
 * @param lmHead the output projection [vocab, hidden]; the same object as tokenEmbedding when tied
 * @param lmHeadBias the output projection's bias [vocab] (Phi), or null
 */
public record DecoderWeights(
        ModelConfig config,
        Tensor tokenEmbedding,
        Tensor positionEmbedding,
        List<LayerWeights> layers,
        Tensor finalNorm,
        Tensor finalNormBias,
        Tensor lmHead,
        Tensor lmHeadBias) implements DecoderSource {

    /** A model whose output projection has no bias (every architecture but Phi). */
    public DecoderWeights(ModelConfig config, Tensor tokenEmbedding, Tensor positionEmbedding, List<LayerWeights> layers,
                          Tensor finalNorm, Tensor finalNormBias, Tensor lmHead) {
        this(config, tokenEmbedding, positionEmbedding, layers, finalNorm, finalNormBias, lmHead, null);
    }

    public static DecoderWeights load(Path dir) {
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            return ArchitectureAdapter.of(ckpt.config()).read(ckpt);
        }
    }

    @Override
    public int headDim() {
        return config.headDim();
    }

    @Override
    public int numLayers() {
        return layers.size();
    }

    @Override
    public LayerWeights layer(int i) {
        return layers.get(i);
    }

    @Override
    public LayerSizes layerSizes(int i) {
        LayerWeights l = layers.get(i);
        return new LayerSizes(l.numHeads(headDim()), l.numKvHeads(headDim()), l.ffnWidth());
    }

    @Override
    public boolean tied() {
        return lmHead == tokenEmbedding;
    }

    @Override
    public long parameterCount() {
        long n = tokenEmbedding.numel() + (positionEmbedding == null ? 0 : positionEmbedding.numel())
                + finalNorm.numel() + (finalNormBias == null ? 0 : finalNormBias.numel()) + (tied() ? 0 : lmHead.numel()) + (lmHeadBias == null ? 0 : lmHeadBias.numel());
        for (LayerWeights l : layers) {
            n += l.parameterCount();
        }
        return n;
    }

    @Override
    public List<LayerSizes> layerSizes() {
        return DecoderSource.super.layerSizes();
    }

    public DecoderWeights withLayers(List<LayerWeights> newLayers) {
        return new DecoderWeights(config, tokenEmbedding, positionEmbedding, List.copyOf(newLayers), finalNorm, finalNormBias, lmHead,
                lmHeadBias);
    }
}
