package dev.secateur.tools.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.onnx.ExportManifest;
import dev.secateur.prune.cli.JsonLine;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.prune.model.ForwardCapture;
import dev.secateur.runtime.Generator;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.store.AtomicFiles;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A measurement, not a test: export time and file size, ONNX Runtime prefill and per-token decode (KV cache)
 * latency, and the DJL forward of the same prompt, for a random Llama dense and with a fraction of every
 * layer's FFN neurons sliced away. One JSON line per variant.
 */
@Command(name = "bench-export", mixinStandardHelpOptions = true,
        description = "Time ONNX export and ONNX Runtime prefill/decode of a random Llama, dense and FFN-sliced.")
public class BenchExportCommand implements Runnable {
    @Option(names = "--size", defaultValue = "100m", description = "10m or 100m (default: ${DEFAULT-VALUE})")
    String size;

    @Option(names = "--ffn-ratio", defaultValue = "0.3", description = "FFN fraction sliced away in the second variant")
    double ffnRatio;

    @Mixin
    OrtTimingOptions timing;

    @Option(names = "--repeats", defaultValue = "3")
    int repeats;

    @Option(names = "--dir", required = true, description = "scratch folder for the exports")
    Path dir;

    @Override
    public void run() {
        int[] shape = BenchForwardCommand.SHAPES.get(size);
        if (shape == null) {
            throw new IllegalArgumentException("--size: unknown size '" + size + "' (use " + BenchForwardCommand.SHAPES.keySet() + ")");
        }
        DecoderWeights dense = BenchForwardCommand.randomLlama(shape);
        measure("dense", dense);
        measure("ffn-" + Math.round(ffnRatio * 100) + "%", sliceFfn(dense, ffnRatio));
    }

    private void measure(String variant, DecoderWeights w) {
        Path out = dir.resolve(variant);
        long t0 = System.nanoTime();
        ExportManifest m = ArtifactWriter.writeDecoder(w, out, ArtifactWriter.Options.defaults(false));
        double exportSeconds = (System.nanoTime() - t0) / 1e9;
        int[] ids = timing.promptIds(w.config().vocabSize());
        double[] prefill = new double[repeats], perToken = new double[repeats], djl = new double[repeats];
        try (OrtDecoder ort = OrtDecoder.open(out)) {
            try (Generator warm = ort.generator()) {
                // the first run of a session allocates and plans; it is not what a served request sees
                warm.feed(ids);
                warm.feed(new int[] {0});
            }
            for (int r = 0; r < repeats; r++) {
                BenchFigures.OrtTiming t = timing.time(ort, ids);
                prefill[r] = t.prefillMs();
                perToken[r] = t.decodeMsPerToken();
            }
        }
        try (DecoderModel model = new DecoderModel(w, Device.cpu()); NDManager nd = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray input = nd.create(Arrays.stream(ids).asLongStream().toArray(), new Shape(1, ids.length)).toType(DataType.INT64, false);
            model.forward(input, ForwardCapture.NONE).close();
            for (int r = 0; r < repeats; r++) {
                long f = System.nanoTime();
                model.forward(input, ForwardCapture.NONE).toFloatArray();
                djl[r] = (System.nanoTime() - f) / 1e6;
            }
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("variant", variant);
        line.put("parameters", w.parameterCount());
        line.put("exportSeconds", BenchFigures.round(exportSeconds, 2));
        line.put("onnxBytes", m.files().stream().mapToLong(ExportManifest.FileEntry::size).sum());
        line.put("ortPrefillMs", BenchFigures.round(BenchFigures.median(prefill), 2));
        line.put("ortDecodeMsPerToken", BenchFigures.round(BenchFigures.median(perToken), 2));
        line.put("djlForwardMs", BenchFigures.round(BenchFigures.median(djl), 2));
        line.put("promptTokens", timing.prompt);
        System.out.println(JsonLine.of(line));
        AtomicFiles.tryDeleteRecursively(out); // scratch space
    }

    /** Keeps the first (1 − ratio) neurons of every layer: the timing depends on the width, not on which ones. */
    private static DecoderWeights sliceFfn(DecoderWeights w, double ratio) {
        List<LayerWeights> layers = w.layers().stream().map(l -> {
            int[] keep = IntStream.range(0, (int) Math.round(l.ffnWidth() * (1 - ratio))).toArray();
            return l.withMlp(l.gate().selectRows(keep), null, l.up().selectRows(keep), null, l.down().selectColumns(keep), l.downBias());
        }).toList();
        return w.withLayers(layers);
    }
}
