package dev.secateur.prune.train;

import dev.secateur.json.Json;
import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.model.CheckpointWriter;
import dev.secateur.model.DecoderWeights;
import dev.secateur.model.LayerSizes;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.prune.model.Devices;
import dev.secateur.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Recovery fine-tuning of a (pruned) checkpoint: full fine-tune of every weight on a text, keeping each layer's
 * sizes, then the model is written to a new folder with recovery.json: perplexity before and after recovery at
 * one sequence length, and before pruning when the model folder's report.json records it.
 *
 * <p>Perplexity is measured on {@code evalText} when given, else on the last 5% of the text's tokens, which are
 * then held out of training.
 */
public final class RecoverJob {
    private static final ObjectMapper JSON = Json.mapper();
    /** Names under which a pruning report may record the dense model's perplexity. */
    private static final List<String> DENSE_PPL_FIELDS = List.of("pplBefore", "ppl_before", "perplexity_before",
            "densePerplexity", "dense_ppl");

    public record Options(Path model, Path text, Path evalText, Path out, int steps, int seqLen, int batch, double lr,
            long seed, int checkpointEvery, boolean resume, String device) {
    }

    public record Report(Double pplBeforePruning, double pplBefore, double pplAfter, int seqLen, long evalTokens,
            Trainer.Result training) {
    }

    private RecoverJob() {
    }

    public static Report run(Options o, Consumer<String> log) {
        if (o.model() == null || !Files.isDirectory(o.model())) {
            throw new IllegalArgumentException("--model " + o.model() + ": model folder does not exist");
        }
        String text = TextData.read(o.text(), "--text");
        String evalText = o.evalText() == null ? null : TextData.read(o.evalText(), "--eval-text");
        TrainSettings settings = new TrainSettings(o.seqLen(), o.batch(), o.steps(), o.lr(),
                Math.max(1, Math.min(100, o.steps() / 10)), 0.1, 0.0, 0.9, 0.95, 1e-8, 1.0, o.seed(),
                o.checkpointEvery(), 10);
        TextData.requireWritableDir(o.out(), "--out");
        TrainCheckpoints checkpoints = new TrainCheckpoints(o.out().resolve("checkpoints"));
        checkpoints.checkWritable();
        Device device = Devices.resolve(o.device());

        DecoderWeights weights = DecoderWeights.load(o.model());
        Path tokFile = o.model().resolve("tokenizer.json");
        int[] train;
        int[] eval;
        try (TextTokenizer tok = TextTokenizer.load(o.model())) {
            int[] all = TextData.tokens(tok, text);
            if (evalText != null) {
                train = all;
                eval = TextData.tokens(tok, evalText);
            } else {
                int cut = all.length - Math.max(o.seqLen() + 1, all.length / 20);
                if (cut < o.seqLen() + 1) {
                    throw new IllegalArgumentException("--text has only " + all.length + " tokens: too few to hold out 5% "
                            + "for evaluation and train on the rest; give --eval-text or more text");
                }
                train = Arrays.copyOfRange(all, 0, cut);
                eval = Arrays.copyOfRange(all, cut, all.length);
            }
        }
        log.accept(String.format("recover %s: %,d parameters, layer sizes %s; %d training tokens, %d evaluation tokens",
                o.model(), weights.parameterCount(), weights.layerSizes(), train.length, eval.length));
        Double densePpl = densePerplexity(o.model(), log).orElse(null);
        try (DecoderModel model = new DecoderModel(weights, device)) {
            DecoderLm lm = new DecoderLm(model);
            TrainingPerplexity.Result before = evaluate(model, lm, tokFile, o, eval);
            log.accept(String.format("perplexity before recovery %.3f (seq %d)", before.perplexity(), o.seqLen()));
            Trainer.Result result = new Trainer(lm, settings, new TokenWindows(train, o.seed()), checkpoints,
                    p -> log.accept(p.line())).run(o.resume());
            TrainingPerplexity.Result after = evaluate(model, lm, tokFile, o, eval);
            log.accept(String.format("perplexity after recovery %.3f (seq %d)", after.perplexity(), o.seqLen()));
            DecoderWeights tuned = model.toWeights();
            if (!tuned.layerSizes().equals(weights.layerSizes())) {
                throw new IllegalStateException("layer sizes changed during recovery: " + weights.layerSizes() + " → "
                        + tuned.layerSizes());
            }
            CheckpointWriter.save(tuned, o.out(), tokFile);
            Report report = new Report(densePpl, before.perplexity(), after.perplexity(), o.seqLen(),
                    after.predictedTokens(), result);
            writeJson(o, report, tuned.layerSizes(), settings);
            return report;
        }
    }

    /** On --eval-text through the project's harness (comparable with secateur eval), else on the held-out tokens. */
    private static TrainingPerplexity.Result evaluate(DecoderModel model, DecoderLm lm, Path tokFile, Options o, int[] heldOut) {
        return o.evalText() != null ? TrainingPerplexity.ofFile(model, tokFile, o.evalText(), o.seqLen(), o.batch())
                : TrainingPerplexity.perplexity(lm, heldOut, o.seqLen(), o.batch());
    }

    /** The dense model's perplexity from the model folder's report.json, if it records one. */
    static Optional<Double> densePerplexity(Path modelDir, Consumer<String> log) {
        Path report = modelDir.resolve("report.json");
        if (!Files.isRegularFile(report)) {
            return Optional.empty();
        }
        try {
            JsonNode root = JSON.readTree(report.toFile());
            Optional<Double> found = find(root);
            if (found.isEmpty()) {
                log.accept(report + " has no dense perplexity (looked for " + DENSE_PPL_FIELDS + ")");
            }
            return found;
        } catch (IOException e) {
            log.accept(report + ": unreadable (" + e.getMessage() + "); skipping the before-pruning perplexity");
            return Optional.empty();
        }
    }

    private static Optional<Double> find(JsonNode n) {
        if (n.isObject()) {
            for (String f : DENSE_PPL_FIELDS) {
                if (n.path(f).isNumber()) {
                    return Optional.of(n.path(f).asDouble());
                }
            }
            for (JsonNode child : n) {
                Optional<Double> d = find(child);
                if (d.isPresent()) {
                    return d;
                }
            }
        }
        return Optional.empty();
    }

    private static void writeJson(Options o, Report r, List<LayerSizes> sizes, TrainSettings s) {
        ObjectNode j = JSON.createObjectNode();
        j.put("model", o.model().toString());
        j.put("text", o.text().toString());
        j.put("eval_text", o.evalText() == null ? "last 5% of --text tokens (held out of training)" : o.evalText().toString());
        j.put("seq_len", r.seqLen());
        j.put("eval_tokens", r.evalTokens());
        if (r.pplBeforePruning() != null) {
            j.put("ppl_before_pruning", r.pplBeforePruning());
        } else {
            j.putNull("ppl_before_pruning");
        }
        j.put("ppl_before_recovery", r.pplBefore());
        j.put("ppl_after_recovery", r.pplAfter());
        ObjectNode t = j.putObject("training");
        t.put("steps", s.steps()).put("batch", s.batch()).put("lr", s.lr()).put("warmup", s.warmup())
                .put("weight_decay", s.weightDecay()).put("seed", s.seed()).put("seconds", r.training().seconds())
                .put("tokens_per_second", r.training().tokensPerSecond()).put("final_loss", r.training().lastLoss());
        ArrayNode ls = j.putArray("layer_sizes");
        sizes.forEach(x -> ls.addObject().put("heads", x.heads()).put("kv_heads", x.kvHeads()).put("ffn", x.ffn()));
        TrainJob.write(o.out().resolve("recovery.json"), j);
    }
}
