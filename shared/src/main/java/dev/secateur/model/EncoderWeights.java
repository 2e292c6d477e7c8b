package dev.secateur.model;

import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import java.nio.file.Path;
import java.util.List;

/**
 * A whole BERT-family encoder in the canonical layout, per-layer sizes taken from the weights (a pruned
 * encoder keeps a different head count and FFN width in every layer). Only the base model: task heads
 * are not kept; the pooler is kept when the checkpoint has one (sentence embeddings do not use it).
 *
 * @param positionEmbedding learned absolute positions [maxPositions, hidden]
 * @param tokenTypeEmbedding [typeVocab, hidden]
 * @param poolerDense [hidden, hidden] or null; poolerBias likewise
 */
public record EncoderWeights(
        ModelConfig config,
        Tensor wordEmbedding,
        Tensor positionEmbedding,
        Tensor tokenTypeEmbedding,
        Tensor embNorm,
        Tensor embNormBias,
        List<EncoderLayerWeights> layers,
        Tensor poolerDense,
        Tensor poolerBias) {

    public static EncoderWeights load(Path dir) {
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            if (ckpt.config().architecture().isDecoder()) {
                throw new CheckpointException(dir + ": " + ckpt.config().architecture().hfName()
                        + " is a decoder-only language model: load it with DecoderWeights.load");
            }
            return BertAdapter.read(ckpt);
        }
    }

    /** Writes config.json (BertModel, per-layer sizes recorded), model.safetensors and, if given, tokenizer.json. */
    public void save(Path dir, Path tokenizer) {
        CheckpointWriter.save(this, dir, tokenizer);
    }

    public int hiddenSize() {
        return wordEmbedding.dim(1);
    }

    public int headDim() {
        return config.headDim();
    }

    public double normEps() {
        return config.normEps();
    }

    public long parameterCount() {
        long n = wordEmbedding.numel() + positionEmbedding.numel() + tokenTypeEmbedding.numel() + embNorm.numel() + embNormBias.numel()
                + (poolerDense == null ? 0 : poolerDense.numel()) + (poolerBias == null ? 0 : poolerBias.numel());
        for (EncoderLayerWeights l : layers) {
            n += l.parameterCount();
        }
        return n;
    }

    /** Parameters in the encoder blocks only (what FFN/head pruning changes). */
    public long blockParameterCount() {
        return layers.stream().mapToLong(EncoderLayerWeights::parameterCount).sum();
    }

    public List<LayerSizes> layerSizes() {
        return layers.stream().map(l -> new LayerSizes(l.numHeads(headDim()), l.numHeads(headDim()), l.ffnWidth())).toList();
    }

    public EncoderWeights withLayers(List<EncoderLayerWeights> newLayers) {
        return new EncoderWeights(config, wordEmbedding, positionEmbedding, tokenTypeEmbedding, embNorm, embNormBias,
                List.copyOf(newLayers), poolerDense, poolerBias);
    }
}
