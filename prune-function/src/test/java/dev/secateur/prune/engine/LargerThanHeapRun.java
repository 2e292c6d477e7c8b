package dev.secateur.prune.engine;

import dev.secateur.checkpoint.DType;
import dev.secateur.events.Allocation;
import dev.secateur.model.RandomCheckpoint;
import dev.secateur.model.StreamedCheckpoint;
import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.onnx.ExportManifest;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a JVM whose heap is smaller than the model's float32 weights ({@link LargerThanHeapTest} starts it): generate
 * a random ~134M-parameter Llama, prune it with the streaming engine, evaluate before/after, export it to ONNX, and
 * print one line of figures. Exit status 0 means every step completed within the heap.
 */
public final class LargerThanHeapRun {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path tokenizer = Path.of(args[1]), text = Path.of(args[2]);
        RandomCheckpoint.Shape shape = RandomCheckpoint.SHAPES.get("llama-125m");
        Path model = dir.resolve("model");
        RandomCheckpoint.write(shape, DType.BF16, 2, 0, model);
        Files.copy(tokenizer, model.resolve("tokenizer.json"));
        PruneOptions o = PruneOptions.builder(model, text, dir.resolve("pruned")).samples(4).seqLen(64).device("cpu").criterion("wanda-sp")
                .ratios(0.2, null, null).allocation(Allocation.UNIFORM).compensation("bias").miTokens(64).maxTokens(256).batchSize(2)
                .calibrationMode(CalibrationMode.SEQUENTIAL).evalText(text).evalSeqLen(64).evalMaxTokens(256).build();
        PruneResult r = PrunePipeline.run(o, ProgressListener.NONE);
        ExportManifest m = ArtifactWriter.writeFolder(r.output(), dir.resolve("onnx"), ArtifactWriter.Options.defaults(false));
        try (StreamedCheckpoint pruned = StreamedCheckpoint.open(r.output())) {
            System.out.printf(java.util.Locale.ROOT,
                    "RESULT maxHeap=%d fp32WeightBytes=%d paramsBefore=%d paramsAfter=%d ffn0=%d pplBefore=%.4f pplAfter=%.4f onnxParams=%d%n",
                    Runtime.getRuntime().maxMemory(), 4 * shape.parameters(), r.parametersBefore(), r.parametersAfter(),
                    pruned.layerSizes(0).ffn(), r.perplexityBefore(), r.perplexityAfter(), m.parameters());
        }
    }
}
