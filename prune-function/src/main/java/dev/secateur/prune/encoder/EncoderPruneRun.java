package dev.secateur.prune.encoder;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.secateur.embedding.Fidelity;
import dev.secateur.json.Json;
import dev.secateur.model.EncoderWeights;
import dev.secateur.onnx.EncoderOnnxExporter;
import dev.secateur.prune.calibration.LayerActivations;
import dev.secateur.prune.compensate.Compensators;
import dev.secateur.prune.criterion.Criteria;
import dev.secateur.prune.criterion.RemovalOrder;
import dev.secateur.prune.criterion.Selector;
import dev.secateur.prune.criterion.Structure;
import dev.secateur.prune.model.EncoderModel;
import dev.secateur.prune.plan.Target;
import dev.secateur.store.AtomicFiles;
import dev.secateur.tokenizer.SentenceTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prunes a BERT-family encoder end to end, as `prune` does for decoders: calibration sentences → activations →
 * criterion → FFN (and head) removal with compensation → pruned folder, model.onnx and report.json whose
 * quality figures are embedding fidelity on held-out sentences (mean cosine to the dense embeddings, recall@1).
 *
 * @param heldOut sentences for the fidelity figures, one per line; null skips them
 */
public record EncoderPruneRun(Path model, Path calibration, Path heldOut, String method, double ffnRatio, double headRatio,
        String compensation, long seed, Path out) {

    public Map<String, Object> run() throws IOException {
        EncoderWeights dense = EncoderWeights.load(model);
        Path tokenizer = model.resolve("tokenizer.json");
        Map<String, Double> seconds = new LinkedHashMap<>();
        Criteria.Settings defaults = Criteria.Settings.defaults(seed);
        Criteria.Settings settings = new Criteria.Settings(seed, defaults.kernelScale(), defaults.miTokens(), defaults.ridge(),
                Math.min(1.0, Math.max(ffnRatio, headRatio) + 0.05));
        EncoderWeights pruned;
        Fidelity fidelity = null;
        try (SentenceTokenizer tok = SentenceTokenizer.load(tokenizer);
                NDManager nd = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                EncoderModel denseModel = new EncoderModel(dense, Device.cpu())) {
            long t = System.nanoTime();
            List<long[]> calib = lines(calibration).stream().map(tok::encode).toList();
            List<LayerActivations> acts = EncoderCalibration.collect(denseModel, calib, 4096, seed, EncoderCalibration.sitesForPruning());
            seconds.put("calibrate", (System.nanoTime() - t) / 1e9);
            t = System.nanoTime();
            Selector selector = Criteria.byName(method, nd, settings);
            List<RemovalOrder> ffnOrders = ffnRatio > 0 ? EncoderPruner.orders(dense, acts, selector, Structure.FFN_NEURONS) : null;
            List<RemovalOrder> headOrders = headRatio > 0 ? EncoderPruner.orders(dense, acts, selector, Structure.ATTENTION_HEADS) : null;
            seconds.put("score", (System.nanoTime() - t) / 1e9);
            t = System.nanoTime();
            pruned = EncoderPruner.apply(dense, acts, ffnOrders, Target.uniform(Structure.FFN_NEURONS, ffnRatio), headOrders,
                    Target.uniform(Structure.ATTENTION_HEADS, headRatio), Compensators.byName(compensation, nd, defaults.ridge()));
            seconds.put("compensate+apply", (System.nanoTime() - t) / 1e9);
            if (heldOut != null) {
                t = System.nanoTime();
                SentenceTokenizer.Batch batch = tok.batch(lines(heldOut), dense.positionEmbedding().dim(0));
                try (EncoderModel prunedModel = new EncoderModel(pruned, Device.cpu())) {
                    fidelity = Fidelity.of(denseModel.embed(batch), prunedModel.embed(batch));
                }
                seconds.put("eval", (System.nanoTime() - t) / 1e9);
            }
        }
        long t = System.nanoTime();
        pruned.save(out, tokenizer);
        Path onnxDir = out.resolve("onnx");
        EncoderOnnxExporter.export(pruned, tokenizer, onnxDir, Map.of());
        Files.move(onnxDir.resolve("model.onnx"), out.resolve("model.onnx"));
        try (var walk = Files.walk(onnxDir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        seconds.put("save+export", (System.nanoTime() - t) / 1e9);

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("architecture", "BertModel");
        report.put("method", method);
        report.put("ffnRatio", ffnRatio);
        report.put("headRatio", headRatio);
        report.put("compensation", compensation);
        report.put("paramsBefore", dense.parameterCount());
        report.put("paramsAfter", pruned.parameterCount());
        report.put("layerSizes", pruned.layerSizes());
        if (fidelity != null) {
            report.put("meanCosine", fidelity.meanCosine());
            report.put("minCosine", fidelity.minCosine());
            report.put("recallAt1", fidelity.recallAt1());
            report.put("heldOutSentences", fidelity.sentences());
        }
        report.put("seconds", seconds);
        AtomicFiles.writeAtomically(out.resolve("report.json"), Json.toPrettyBytes(report));
        return report;
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
