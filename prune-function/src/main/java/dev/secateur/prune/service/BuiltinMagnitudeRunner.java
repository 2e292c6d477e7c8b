package dev.secateur.prune.service;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.events.BeforeAfter;
import dev.secateur.events.PruneMethod;
import dev.secateur.events.PruneRequest;
import dev.secateur.events.RequestValidationException;
import dev.secateur.json.Json;
import dev.secateur.model.CheckpointWriter;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.onnx.ModelExport;
import dev.secateur.store.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A small, real engine that needs no activations: structured FFN pruning by weight magnitude
 * (score of neuron j = ||W_down[:, j]||₂ · ||W_up[j, :]||₂) or at random (seeded), the same count per layer,
 * written back as a Hugging Face checkpoint and exported to ONNX (model.onnx), with report.json and plan.json. It is the service's engine
 * until the calibrated pipeline (MI, Wanda-sp, FLAP, compensation, evaluation, ONNX export) is wired in,
 * and stays useful as a fast baseline. It does not evaluate, so its summaries carry no perplexity.
 */
public final class BuiltinMagnitudeRunner implements PruneJobRunner {

    @Override
    public String name() {
        return "builtin-magnitude";
    }

    @Override
    public PruneResult prune(PruneTask task, JobProgress progress) throws IOException {
        PruneRequest req = task.request();
        if (req.method() != PruneMethod.MAGNITUDE && req.method() != PruneMethod.RANDOM) {
            throw new RequestValidationException("method", "'" + req.method().json()
                    + "' needs the calibrated pipeline; this build's engine (" + name() + ") supports magnitude and random");
        }
        if (req.headRatio() != 0.0) {
            throw new RequestValidationException("headRatio", "must be 0 with the " + name() + " engine (it prunes FFN neurons only)");
        }
        if (req.dropLayers() != 0) {
            throw new RequestValidationException("dropLayers", "must be 0 with the " + name() + " engine");
        }
        Map<String, Double> timings = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        progress.report("load", 5, "reading " + task.sourceDir().getFileName());
        DecoderWeights dense = DecoderWeights.load(task.sourceDir());
        timings.put("load", seconds(t0));

        long t1 = System.nanoTime();
        Random random = new Random(req.seed());
        List<LayerWeights> layers = new ArrayList<>();
        ArrayNode planLayers = Json.mapper().createArrayNode();
        int n = dense.layers().size();
        for (int i = 0; i < n; i++) {
            LayerWeights l = dense.layers().get(i);
            int width = l.ffnWidth();
            int keep = Math.max(1, (int) Math.round(width * (1.0 - req.ffnRatio())));
            int[] kept = req.method() == PruneMethod.RANDOM ? randomKeep(width, keep, random) : topByMagnitude(l, keep);
            layers.add(l.withMlp(
                    l.gate() == null ? null : l.gate().selectRows(kept),
                    l.gateBias() == null ? null : select(l.gateBias(), kept),
                    l.up().selectRows(kept),
                    l.upBias() == null ? null : select(l.upBias(), kept),
                    l.down().selectColumns(kept),
                    l.downBias()));
            ObjectNode pl = planLayers.addObject();
            pl.put("layer", i);
            pl.put("ffnBefore", width);
            pl.put("ffnAfter", kept.length);
            ArrayNode k = pl.putArray("ffnKept");
            Arrays.stream(kept).forEach(k::add);
            progress.report("plan", 10 + 60.0 * (i + 1) / n, "layer " + (i + 1) + "/" + n);
        }
        DecoderWeights pruned = dense.withLayers(layers);
        timings.put("plan", seconds(t1));

        long t2 = System.nanoTime();
        progress.report("save", 75, null);
        Path out = task.outputDir();
        Path tokenizer = task.sourceDir().resolve("tokenizer.json");
        CheckpointWriter.save(pruned, out, Files.isRegularFile(tokenizer) ? tokenizer : null);
        copyIfPresent(task.sourceDir(), out, "tokenizer_config.json");
        copyIfPresent(task.sourceDir(), out, "generation_config.json");
        timings.put("save", seconds(t2));

        // The servable form: model.onnx with per-layer sizes and the plan in metadata_props. The exporter
        // writes its own manifest.json; the store writes the version's manifest, so only the model files move.
        long t3 = System.nanoTime();
        progress.report("export", 80, "ONNX");
        Path onnxDir = out.resolveSibling(out.getFileName() + ".onnx");
        try {
            ModelExport.export(pruned, null, onnxDir, ModelExport.Options.defaults(false),
                    Map.of(ModelExport.PLAN, Json.mapper().writeValueAsString(planLayers),
                            ModelExport.SOURCE_SHA256, ModelExport.sourceSha256(task.sourceDir())));
            try (Stream<Path> files = Files.list(onnxDir)) {
                for (Path f : files.filter(f -> f.getFileName().toString().startsWith(ModelExport.MODEL_FILE)).toList()) {
                    Files.move(f, out.resolve(f.getFileName()));
                }
            }
        } finally {
            PruneJobService.deleteRecursively(onnxDir);
        }
        timings.put("export", seconds(t3));

        BeforeAfter summary = new BeforeAfter(dense.parameterCount(), pruned.parameterCount(),
                weightBytes(task.sourceDir()), weightBytes(out), null, null, null, null, timings);
        ObjectNode plan = Json.mapper().createObjectNode();
        plan.put("engine", name());
        plan.put("method", req.method().json());
        plan.put("ffnRatio", req.ffnRatio());
        plan.put("seed", req.seed());
        plan.set("layers", planLayers);
        AtomicFiles.writeAtomically(out.resolve("plan.json"), Json.toPrettyBytes(plan));
        ObjectNode report = Json.mapper().createObjectNode();
        report.put("engine", name());
        report.put("architecture", dense.config().architecture().name());
        report.set("request", req.toJson());
        report.set("summary", Json.toTree(summary));
        report.set("layerSizesBefore", Json.toTree(dense.layerSizes()));
        report.set("layerSizesAfter", Json.toTree(pruned.layerSizes()));
        report.put("evaluated", false);
        AtomicFiles.writeAtomically(out.resolve("report.json"), Json.toPrettyBytes(report));
        progress.report("save", 90, null);
        return new PruneResult(summary, Map.of(
                "architecture", dense.config().architecture().name(),
                "engine", name(),
                "format", "onnx+safetensors"));
    }

    private static int[] topByMagnitude(LayerWeights l, int keep) {
        int width = l.ffnWidth();
        double[] score = new double[width];
        Tensor down = l.down(); // [hidden, ffn]
        int hidden = down.dim(0);
        Tensor up = l.up(); // [ffn, hidden]
        int in = up.dim(1);
        for (int j = 0; j < width; j++) {
            double d = 0, u = 0;
            for (int r = 0; r < hidden; r++) {
                double x = down.data()[r * width + j];
                d += x * x;
            }
            for (int c = 0; c < in; c++) {
                double x = up.data()[j * in + c];
                u += x * x;
            }
            score[j] = Math.sqrt(d) * Math.sqrt(u);
        }
        // Highest scores kept; ties toward the lower index so plans are reproducible.
        return IntStream.range(0, width).boxed()
                .sorted((a, b) -> score[a] != score[b] ? Double.compare(score[b], score[a]) : Integer.compare(a, b))
                .limit(keep).mapToInt(Integer::intValue).sorted().toArray();
    }

    private static int[] randomKeep(int width, int keep, Random random) {
        int[] idx = IntStream.range(0, width).toArray();
        for (int i = width - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return Arrays.stream(idx, 0, keep).sorted().toArray();
    }

    private static Tensor select(Tensor vector, int[] idx) {
        float[] out = new float[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = vector.data()[idx[i]];
        }
        return new Tensor(new int[] {idx.length}, out);
    }

    private static long weightBytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long sum = 0;
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList()) {
                sum += Files.size(f);
            }
            return sum;
        }
    }

    private static void copyIfPresent(Path from, Path to, String file) throws IOException {
        if (Files.isRegularFile(from.resolve(file))) {
            Files.copy(from.resolve(file), to.resolve(file));
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
