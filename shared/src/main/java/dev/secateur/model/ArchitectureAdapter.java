package dev.secateur.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Architecture;
import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.Tensor;
import java.util.Map;

/** Maps one Hugging Face architecture's tensor names and layouts to and from the canonical layout. */
public interface ArchitectureAdapter {

    DecoderWeights read(Checkpoint checkpoint);

    /** Tensors under their Hugging Face names, in a stable order. */
    Map<String, Tensor> write(DecoderWeights weights);

    /** config.json for these weights: the source config with sizes updated and per-layer sizes recorded. */
    ObjectNode config(DecoderWeights weights);

    static ArchitectureAdapter of(Architecture architecture) {
        return switch (architecture) {
            case LLAMA, QWEN2 -> new LlamaAdapter();
            case GPT2 -> new Gpt2Adapter();
            case BERT -> throw new CheckpointException(architecture.hfName()
                    + " is an encoder, not a decoder-only language model: load it with EncoderWeights.load");
        };
    }
}
