package dev.secateur.prune.cli;

import dev.secateur.checkpoint.Checkpoint;
import dev.secateur.checkpoint.DType;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.model.StreamedCheckpoint;
import dev.secateur.model.LayerSizes;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What a model folder holds: architecture, per-layer sizes (from the weights), parameters, storage dtype. */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Describe a Hugging Face model folder.")
public class InspectCommand implements Runnable {
    @Mixin
    ModelFolderOption model;

    @Option(names = "--json", description = "one JSON line instead of text")
    boolean json;

    @Override
    public void run() {
        // shapes only: a model of any size is described without reading its weights (biases aside)
        try (StreamedCheckpoint w = StreamedCheckpoint.open(model.path)) {
            describe(w);
        }
    }

    private void describe(StreamedCheckpoint w) {
        ModelConfig c = w.config();
        List<LayerSizes> layers = w.layerSizes();
        String dtypes = dtypesOnDisk(model.path);
        // a uniform model, in the terms of --target-shape (a shape it can be pruned to, or was)
        String shape = layers.stream().distinct().count() != 1 ? null
                : new dev.secateur.model.TargetShape(layers.size(), c.hiddenSize(), layers.get(0).heads(), layers.get(0).kvHeads(),
                        layers.get(0).ffn(), null).toString();
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", model.path.toString());
            out.put("architecture", c.architecture().hfName());
            out.put("hidden", c.hiddenSize());
            out.put("headDim", c.headDim());
            out.put("vocab", c.vocabSize());
            // the longest calibration/eval window and served context: max_position_embeddings (or longrope's original length)
            out.put("contextLength", c.contextLength());
            if (c.hasLayerKinds()) {
                out.put("slidingWindow", c.slidingWindow());
                out.put("layerTypes", java.util.stream.IntStream.range(0, layers.size()).mapToObj(c::layerType).toList());
            }
            out.put("tiedEmbeddings", w.tied());
            out.put("parameters", w.parameterCount());
            out.put("dtype", dtypes);
            out.put("layers", layers);
            if (shape != null) {
                out.put("shape", shape);
            }
            System.out.println(JsonLine.of(out));
            return;
        }
        System.out.printf("model         %s%n", model.path);
        System.out.printf("architecture  %s%n", c.architecture().hfName());
        System.out.printf("hidden %d, head_dim %d, vocab %d, layers %d, tied embeddings: %s%n",
                c.hiddenSize(), c.headDim(), c.vocabSize(), layers.size(), w.tied() ? "yes" : "no");
        System.out.printf("context       %d tokens (%s)%n", c.contextLength(), c.contextLengthReason());
        System.out.printf("parameters    %,d%n", w.parameterCount());
        System.out.printf("dtype on disk %s%n", dtypes);
        System.out.printf("shape         %s%n", shape == null ? "per-layer sizes differ (below)" : shape);
        boolean kinds = c.hasLayerKinds();
        System.out.printf("%-6s %6s %9s %8s%s%n", "layer", "heads", "kv_heads", "ffn", kinds ? "  attention" : "");
        for (int i = 0; i < layers.size(); i++) {
            LayerSizes s = layers.get(i);
            String kind = !kinds ? "" : c.windowOf(i) != null ? "  window " + c.windowOf(i) : "  full";
            if (kinds && c.localRotary(i)) {
                kind += ", rope_theta " + (long) c.localRopeTheta();
            }
            System.out.printf("%-6d %6d %9d %8d%s%n", i, s.heads(), s.kvHeads(), s.ffn(), kind);
        }
    }

    private static String dtypesOnDisk(Path dir) {
        try (Checkpoint ck = Checkpoint.open(dir)) {
            TreeSet<DType> set = new TreeSet<>();
            ck.names().forEach(n -> set.add(ck.dtype(n)));
            return String.join("+", set.stream().map(DType::name).toList());
        }
    }
}
