package dev.secateur.prune.engine;

import dev.secateur.model.CheckpointWriter;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/** The demo model with some layers edited, written as a checkpoint folder: a model whose right answer a test knows. */
final class EditedDemoModel {
    private EditedDemoModel() {
    }

    /** @param edit layer index and its weights → the weights to write (return them unchanged to keep the layer) */
    static Path write(Path dir, BiFunction<Integer, LayerWeights, LayerWeights> edit) {
        Path root = Path.of("..").toAbsolutePath().normalize();
        DecoderWeights dense = DecoderWeights.load(root.resolve("models/kjv-llama"));
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < dense.numLayers(); l++) {
            layers.add(edit.apply(l, dense.layer(l)));
        }
        CheckpointWriter.save(dense.withLayers(layers), dir, root.resolve("models/kjv-llama/tokenizer.json"));
        return dir;
    }
}
