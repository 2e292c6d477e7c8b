package dev.secateur.tools.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.json.Json;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.prune.cli.JsonLine;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.prune.model.Devices;
import dev.secateur.prune.model.ForwardCapture;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A measurement, not a test: forward time per token of random Llamas of about 10M and 100M parameters, and
 * the process's peak RSS and heap, to size calibration and evaluation runs.
 */
@Command(name = "bench-forward", mixinStandardHelpOptions = true,
        description = "Time the DJL forward pass of random Llamas (~10M, ~100M parameters); one JSON line per size.")
public class BenchForwardCommand implements Runnable {
    @Option(names = "--sizes", split = ",", defaultValue = "10m,100m", description = "10m and/or 100m (default: ${DEFAULT-VALUE})")
    List<String> sizes;

    @Option(names = "--seq-len", defaultValue = "128")
    int seqLen;

    @Option(names = "--repeats", defaultValue = "5")
    int repeats;

    @Option(names = "--device", defaultValue = "cpu")
    String device;

    /** hidden, layers, heads, kv heads, ffn, vocab: 10.2M and 99.5M parameters, untied, GQA in the larger. */
    static final Map<String, int[]> SHAPES = Map.of(
            "10m", new int[] {256, 8, 4, 4, 640, 8192},
            "100m", new int[] {768, 8, 12, 4, 2048, 32000});

    @Override
    public void run() {
        Device d = Devices.resolve(device);
        for (String size : sizes) {
            int[] s = SHAPES.get(size);
            if (s == null) {
                throw new IllegalArgumentException("unknown size '" + size + "' (use " + SHAPES.keySet() + ")");
            }
            System.out.println(JsonLine.of(measure(size, randomLlama(s), d)));
        }
    }

    private Map<String, Object> measure(String size, DecoderWeights w, Device d) {
        long params = w.parameterCount();
        try (DecoderModel model = new DecoderModel(w, d); NDManager m = NDManager.newBaseManager(d, "PyTorch")) {
            NDArray ids = m.randomInteger(0, model.vocabSize(), new Shape(1, seqLen), DataType.INT64);
            for (int i = 0; i < 2; i++) {
                model.forward(ids, ForwardCapture.NONE).close();
            }
            long start = System.nanoTime();
            for (int i = 0; i < repeats; i++) {
                model.forward(ids, ForwardCapture.NONE).toFloatArray(); // forces the pass to finish on any device
            }
            double msPerPass = (System.nanoTime() - start) / 1e6 / repeats;
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("size", size);
            out.put("parameters", params);
            out.put("device", Devices.describe(d));
            out.put("cpus", Runtime.getRuntime().availableProcessors());
            // libtorch's intra-op threads (-Dai.djl.pytorch.num_threads): on an oversubscribed machine its
            // OpenMP workers spin at every op's barrier, and 1 thread was 4-17x faster than 2 here.
            out.put("torchThreads", JniUtils.getNumThreads());
            out.put("seqLen", seqLen);
            out.put("msPerForward", round(msPerPass));
            out.put("msPerToken", round(msPerPass / seqLen));
            out.put("peakRssMiB", peakRssMiB());
            out.put("peakHeapMiB", peakHeapMiB());
            return out;
        }
    }

    static DecoderWeights randomLlama(int[] s) {
        int hidden = s[0], layers = s[1], heads = s[2], kv = s[3], ffn = s[4], vocab = s[5];
        int hd = hidden / heads;
        ObjectNode c = Json.mapper().createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("hidden_size", hidden).put("num_hidden_layers", layers).put("num_attention_heads", heads)
                .put("num_key_value_heads", kv).put("intermediate_size", ffn).put("vocab_size", vocab)
                .put("max_position_embeddings", 2048).put("rms_norm_eps", 1e-5);
        ModelConfig config = ConfigReader.parse(c, "bench-forward");
        Random r = new Random(42);
        List<LayerWeights> ls = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            ls.add(new LayerWeights(ones(hidden), null,
                    gauss(r, heads * hd, hidden), null, gauss(r, kv * hd, hidden), null, gauss(r, kv * hd, hidden), null,
                    gauss(r, hidden, heads * hd), null, ones(hidden), null,
                    gauss(r, ffn, hidden), null, gauss(r, ffn, hidden), null, gauss(r, hidden, ffn), null));
        }
        return new DecoderWeights(config, gauss(r, vocab, hidden), null, ls, ones(hidden), null, gauss(r, vocab, hidden));
    }

    private static Tensor gauss(Random r, int rows, int cols) {
        float[] data = new float[rows * cols];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (0.02 * r.nextGaussian());
        }
        return new Tensor(new int[] {rows, cols}, data);
    }

    private static Tensor ones(int n) {
        float[] data = new float[n];
        java.util.Arrays.fill(data, 1f);
        return new Tensor(new int[] {n}, data);
    }

    /** VmHWM from /proc: the resident high-water mark, which includes libtorch's native memory. */
    private static long peakRssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: report unknown
        }
        return -1;
    }

    private static long peakHeapMiB() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum >> 20;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
