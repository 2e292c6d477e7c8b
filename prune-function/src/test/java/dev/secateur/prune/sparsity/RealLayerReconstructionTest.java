package dev.secateur.prune.sparsity;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.model.SparsityPattern;
import dev.secateur.prune.calibration.ActivationCollector;
import dev.secateur.prune.model.CaptureSite;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SparseGPT against Wanda on real layers: the demo model's trained weights (models/kjv-llama) and the inputs its
 * block 2 sees on the calibration text, captured by the engine's own collector. SparseGPT minimises the layer
 * reconstruction error that Wanda only scores for, so on the same layer and calibration it must not do worse.
 */
class RealLayerReconstructionTest {
    static final Path MODEL = Path.of("..", "models", "kjv-llama").toAbsolutePath().normalize();
    static final Path CALIB = Path.of("..", "data", "kjv-calib.txt").toAbsolutePath().normalize();

    @Test
    void sparseGptReconstructsEveryLinearLayerOfABlockAtLeastAsWellAsWanda() throws IOException {
        int layer = 2, windows = 8, seq = 128;
        DecoderWeights dense = DecoderWeights.load(MODEL);
        LayerWeights w = dense.layers().get(layer);
        ActivationCollector c;
        try (DecoderModel model = new DecoderModel(dense, Device.cpu());
                TextTokenizer tok = TextTokenizer.load(MODEL.resolve("tokenizer.json"));
                NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            long[] ids = Arrays.copyOf(tok.encode(Files.readString(CALIB)), windows * seq);
            c = new ActivationCollector(EnumSet.of(CaptureSite.ATTENTION_INPUT, CaptureSite.ATTENTION_HEADS, CaptureSite.FFN_INPUT,
                    CaptureSite.FFN_INTERMEDIATE), layer, layer + 1, 1, windows * seq, 0);
            c.beginBatch(0, windows * seq);
            model.forward(m.create(ids, new Shape(windows, seq)), c); // returns null once the collector stops the pass after the layer
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (SparsityTarget t : List.of(new SparsityTarget(0.5, SparsityPattern.UNSTRUCTURED), new SparsityTarget(0.5, SparsityPattern.parse("2:4")))) {
                for (LinearSite site : LinearSite.values()) {
                    Tensor weight = site.weight(w);
                    InputGram g = InputGram.of(c.matrix(layer, site.input()), m);
                    double wanda = g.reconstructionError(weight, new WandaMethod().sparsify(weight, g, t));
                    double gpt = g.reconstructionError(weight, new SparseGptMethod().sparsify(weight, g, t));
                    assertTrue(gpt <= wanda, t + " " + site.matrix() + ": sparsegpt " + gpt + " vs wanda " + wanda);
                    System.out.printf("layer %d %s %s: reconstruction error wanda %.4g, sparsegpt %.4g (×%.3f)%n", layer, site.matrix(), t, wanda, gpt,
                            gpt / wanda);
                }
            }
        }
    }
}
