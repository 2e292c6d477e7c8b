package dev.secateur.prune.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerSizes;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.model.BlockMath;
import dev.secateur.prune.plan.HiddenPlan;
import java.nio.file.Path;
import java.util.List;

/**
 * What the one pruning loop ({@link StreamingPruner}) needs to know about a kind of model, and nothing more: how
 * its inputs become hidden states, each block in the {@link LayerWeights} layout that criteria, compensation and
 * slicing read, the block's arithmetic, how the pruned model is written, and how the dense and pruned outputs compare
 * at the end. {@link DecoderFamily} (Llama, Mistral, Qwen2, Qwen3, Phi-3, Gemma 2, GPT-2) and {@link EncoderFamily} (BERT) are the two kinds; each
 * also owns its calibration and evaluation inputs, since what an input is differs (token windows, sentences).
 */
interface ModelFamily extends AutoCloseable {

    /** Hidden states after the embeddings; either may be null when it was not asked for (or there is no evaluation text). */
    record Embedded(HiddenStates calibration, HiddenStates evaluation) {
    }

    /** Parameters of a part of the model outside the blocks, in the dense model and as written. */
    record Parameters(long before, long after) {
        static Parameters kept(long n) {
            return new Parameters(n, n);
        }
    }

    /** The pruned model as it is written: the embedding side, each kept block in order, then the rest. */
    interface Output {
        /** Writes the embedding side (whole, or its kept hidden channels). */
        Parameters writeEmbeddings();

        /**
         * @param sourceLayer the block's index in the dense model
         * @param index its index in the written model (dropped layers renumber the rest)
         */
        void writeLayer(int sourceLayer, int index, LayerWeights pruned);

        /** Writes what follows the blocks (final norm and head, or pooler), config.json and the tokenizer. */
        Parameters finish(List<LayerSizes> keptSizes);
    }

    int numLayers();

    int headDim();

    /** The checkpoint's architecture, whose Hugging Face code decides what the written model may hold. */
    dev.secateur.checkpoint.Architecture architecture();

    /** The residual width d of the dense model. */
    int hiddenSize();

    List<LayerSizes> layerSizes();

    default LayerSizes layerSizes(int layer) {
        return layerSizes().get(layer);
    }

    /** Block {@code layer} of the dense model, read anew on every call (a streamed source keeps nothing). */
    LayerWeights layer(int layer);

    BlockMath math();

    /** Whether evaluation inputs were given, so that {@link #evaluate} has something to compare. */
    boolean evaluates();

    Embedded embed(NDManager root, boolean calibration, boolean evaluation);

    /**
     * @param keptLayers blocks that will be written
     * @param addsMlpBias whether compensation may give the FFN's down projection a bias the source lacks
     * @param addsAttentionBias whether compensation may give o_proj a bias the source lacks (heads removed)
     * @param hidden the residual channels kept (and the norm scales), or null when the hidden size stays
     */
    Output output(Path dir, int keptLayers, boolean addsMlpBias, boolean addsAttentionBias, HiddenPlan hidden);

    /**
     * Compares the last hidden states of the dense and the pruned model on the evaluation inputs.
     *
     * @param hidden the pruned model's kept residual channels (its states are that narrow), or null
     */
    Evaluation evaluate(NDManager root, HiddenStates dense, HiddenStates pruned, HiddenPlan hidden);

    /** What the calibration inputs are, for the progress log. */
    String calibrationSummary();

    @Override
    void close();

    /** A float32 tensor on the manager's device. */
    static NDArray array(NDManager m, Tensor t) {
        return m.create(t.data(), new Shape(java.util.Arrays.stream(t.shape()).asLongStream().toArray()));
    }
}
