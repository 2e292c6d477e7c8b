package dev.secateur.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The typed subset of a Hugging Face config.json that the forward pass and the ONNX graph need.
 * Sizes here are the dense defaults; a pruned model's per-layer sizes are read from its weights.
 *
 * @param raw the original JSON, kept so that a pruned checkpoint can be written back with every field
 */
public record ModelConfig(
        Architecture architecture,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int intermediateSize,
        int vocabSize,
        int maxPositions,
        double ropeTheta,
        RopeScaling ropeScaling,
        double normEps,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        String hiddenAct,
        Integer bosTokenId,
        Integer eosTokenId,
        ObjectNode raw) {

    public int kvGroupSize() {
        return numHeads / numKvHeads;
    }

    public boolean usesRope() {
        return architecture == Architecture.LLAMA || architecture == Architecture.QWEN2;
    }
}
