package dev.secateur.tools.bench;

import dev.secateur.prune.cli.JsonLine;
import dev.secateur.runtime.OrtDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A measurement, not a test: ONNX Runtime prefill and per-token decode latency of already exported model folders
 * (e.g. a dense and a sparse version of one model), with the size of their ONNX files as stored and gzip-compressed.
 * Sessions are timed in turn, round after round, so that a change in the machine's load reaches every folder alike.
 * One JSON line per folder. With {@code --neighbour-mb}, every round also times each session while a {@link
 * MemoryNeighbour} writes through that much memory on another core, and both figures are reported.
 */
@Command(name = "bench-onnx", mixinStandardHelpOptions = true,
        description = "Time ONNX Runtime prefill and decode of exported model folders and report their ONNX file sizes.")
public class BenchOnnxCommand implements Runnable {
    @Option(names = "--model", required = true, description = "a folder holding model.onnx; repeat to compare folders")
    List<Path> models;

    @Mixin
    OrtTimingOptions timing;

    @Option(names = "--repeats", defaultValue = "7", description = "timed rounds; the median is reported (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--intra-op-threads", defaultValue = "0",
            description = "ONNX Runtime intra-op threads; 0 = one per core (default: ${DEFAULT-VALUE})")
    int intraOpThreads;

    @Option(names = "--spin-wait", defaultValue = "true", arity = "1",
            description = "let ONNX Runtime's intra-op threads spin between runs (its default; default: ${DEFAULT-VALUE})")
    boolean spinWait;

    @Option(names = "--neighbour-mb", defaultValue = "0",
            description = "also time every round beside a thread writing through this many MB (0 = off; default: ${DEFAULT-VALUE})")
    int neighbourMb;

    @Override
    public void run() {
        for (Path m : models) {
            if (!Files.isRegularFile(m.resolve("model.onnx"))) {
                throw new IllegalArgumentException("--model: " + m + " has no model.onnx");
            }
        }
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("--intra-op-threads must be >= 0, got " + intraOpThreads);
        }
        if (neighbourMb < 0 || neighbourMb > 4096) {
            throw new IllegalArgumentException("--neighbour-mb must be between 0 and 4096, got " + neighbourMb);
        }
        List<OrtDecoder> sessions = new ArrayList<>();
        try {
            for (Path m : models) {
                sessions.add(OrtDecoder.open(m, OrtDecoder.Options.defaults().withIntraOpThreads(intraOpThreads)
                        .withSpinning(spinWait)));
            }
            int vocab = sessions.get(0).vocabSize();
            int[] ids = timing.promptIds(vocab);
            double[][] prefill = new double[models.size()][repeats], perToken = new double[models.size()][repeats];
            double[][] busyPrefill = new double[models.size()][repeats], busyPerToken = new double[models.size()][repeats];
            for (OrtDecoder s : sessions) {
                // the first run of a session allocates and plans; it is not what a served request sees
                time(s, ids, new double[1], new double[1], 0);
            }
            for (int r = 0; r < repeats; r++) {
                for (int i = 0; i < sessions.size(); i++) {
                    time(sessions.get(i), ids, prefill[i], perToken[i], r);
                    if (neighbourMb > 0) {
                        try (MemoryNeighbour busy = new MemoryNeighbour(neighbourMb)) {
                            time(sessions.get(i), ids, busyPrefill[i], busyPerToken[i], r);
                        }
                    }
                }
            }
            for (int i = 0; i < models.size(); i++) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("model", models.get(i).toString());
                line.put("provider", sessions.get(i).provider());
                line.put("onnxBytes", onnxBytes(models.get(i)));
                line.put("onnxGzipBytes", gzipBytes(models.get(i)));
                line.put("ortPrefillMs", BenchFigures.round(BenchFigures.median(prefill[i]), 3));
                line.put("ortDecodeMsPerToken", BenchFigures.round(BenchFigures.median(perToken[i]), 3));
                if (neighbourMb > 0) {
                    line.put("neighbourMb", neighbourMb);
                    line.put("ortPrefillMsBesideNeighbour", BenchFigures.round(BenchFigures.median(busyPrefill[i]), 3));
                    line.put("ortDecodeMsPerTokenBesideNeighbour", BenchFigures.round(BenchFigures.median(busyPerToken[i]), 3));
                }
                line.put("intraOpThreads", intraOpThreads);
                line.put("promptTokens", timing.prompt);
                line.put("decodedTokens", timing.decode);
                line.put("repeats", repeats);
                System.out.println(JsonLine.of(line));
            }
        } finally {
            sessions.forEach(OrtDecoder::close);
        }
    }

    private void time(OrtDecoder s, int[] ids, double[] prefill, double[] perToken, int r) {
        BenchFigures.OrtTiming t = timing.time(s, ids);
        prefill[r] = t.prefillMs();
        perToken[r] = t.decodeMsPerToken();
    }

    /** model.onnx and its external data, if any. */
    private static List<Path> onnxFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("model.onnx")).sorted().toList();
        } catch (IOException e) {
            throw new IllegalArgumentException("--model: cannot list " + dir + " (" + e.getMessage() + ")", e);
        }
    }

    private static long onnxBytes(Path dir) {
        long n = 0;
        for (Path f : onnxFiles(dir)) {
            n += f.toFile().length();
        }
        return n;
    }

    /** What the ONNX files take gzip-compressed: zeros stored dense do not shrink a file, but they compress. */
    private static long gzipBytes(Path dir) {
        long[] count = new long[1];
        OutputStream counter = new OutputStream() {
            @Override
            public void write(int b) {
                count[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                count[0] += len;
            }
        };
        try (GZIPOutputStream gz = new GZIPOutputStream(counter, 1 << 16)) {
            for (Path f : onnxFiles(dir)) {
                try (InputStream in = Files.newInputStream(f)) {
                    in.transferTo(gz);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("--model: cannot read " + dir + " (" + e.getMessage() + ")", e);
        }
        return count[0];
    }
}
