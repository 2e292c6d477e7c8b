package dev.secateur.prune.train;

import dev.secateur.json.Json;
import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.model.CheckpointWriter;
import dev.secateur.model.DecoderWeights;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.prune.model.Devices;
import dev.secateur.tokenizer.BpeTrainer;
import dev.secateur.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Trains a Llama from scratch on one text file and writes a Hugging Face folder: tokenizer.json (byte-level
 * BPE learned from the text), config.json (LlamaForCausalLM), model.safetensors, train.json, and eval.json
 * when a validation text is given. Checkpoints go to {@code <out>/checkpoints}; with {@code resume} the run
 * continues from the latest one (reusing the folder's tokenizer.json).
 */
public final class TrainJob {
    private static final ObjectMapper JSON = Json.mapper();

    /** Everything {@code secateur train} takes. */
    public record Options(Path text, Path out, Path validText, int hidden, int layers, int heads, int kvHeads, int ffn,
            int merges, int seqLen, int batch, int steps, double lr, long seed, int checkpointEvery, boolean resume,
            String device, boolean tied) {
    }

    public record Report(Path out, long parameters, int vocab, int trainTokens, Trainer.Result training,
            TrainingPerplexity.Result validation) {
    }

    private TrainJob() {
    }

    public static Report run(Options o, Consumer<String> log) {
        // Validate everything cheap before anything slow.
        String text = TextData.read(o.text(), "--text");
        String valid = o.validText() == null ? null : TextData.read(o.validText(), "--valid-text");
        int plannedVocab = 256 + o.merges() + 1;
        LlamaInit.Sizes sizes = new LlamaInit.Sizes(o.hidden(), o.layers(), o.heads(), o.kvHeads(), o.ffn(), plannedVocab,
                o.seqLen(), o.tied());
        TrainSettings settings = TrainSettings.of(o.seqLen(), o.batch(), o.steps(), o.lr(), o.seed(), o.checkpointEvery());
        TextData.requireWritableDir(o.out(), "--out");
        TrainCheckpoints checkpoints = new TrainCheckpoints(o.out().resolve("checkpoints"));
        try {
            checkpoints.checkWritable();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--out " + o.out() + ": " + e.getMessage(), e);
        }
        Device device = Devices.resolve(o.device());

        Path tokFile = o.out().resolve("tokenizer.json");
        if (o.resume() && Files.isRegularFile(tokFile)) {
            log.accept("reusing " + tokFile);
        } else {
            long t0 = System.nanoTime();
            BpeTrainer.Vocabulary v = new BpeTrainer(o.merges()).train(text);
            BpeTrainer.write(v, tokFile);
            log.accept(String.format("tokenizer: %d merges, vocab %d, %.1f s → %s", v.merges().size(), v.size(),
                    (System.nanoTime() - t0) / 1e9, tokFile));
        }
        int[] tokens;
        int vocab;
        Integer eos;
        try (TextTokenizer tok = TextTokenizer.load(tokFile)) {
            long t0 = System.nanoTime();
            tokens = TextData.tokens(tok, text);
            vocab = tok.vocabSize();
            eos = tok.tokenToId(BpeTrainer.END_OF_TEXT).orElse(null);
            log.accept(String.format("tokenised %d characters into %d tokens (%.2f chars/token) in %.1f s", text.length(),
                    tokens.length, (double) text.length() / tokens.length, (System.nanoTime() - t0) / 1e9));
        }
        sizes = new LlamaInit.Sizes(sizes.hidden(), sizes.layers(), sizes.heads(), sizes.kvHeads(), sizes.ffn(), vocab,
                sizes.maxPositions(), sizes.tied());
        ModelConfig config = LlamaInit.config(sizes, eos, eos);
        DecoderWeights init = LlamaInit.random(config, o.seed());
        log.accept(String.format("model: LlamaForCausalLM hidden %d, %d layers, %d heads (%d kv), ffn %d, vocab %d: %,d parameters; "
                + "device %s", sizes.hidden(), sizes.layers(), sizes.heads(), sizes.kvHeads(), sizes.ffn(), vocab,
                init.parameterCount(), Devices.describe(device)));
        try (DecoderModel model = new DecoderModel(init, device)) {
            DecoderLm lm = new DecoderLm(model);
            Trainer trainer = new Trainer(lm, settings, new TokenWindows(tokens, o.seed()), checkpoints,
                    p -> log.accept(p.line()));
            Trainer.Result result = trainer.run(o.resume());
            DecoderWeights trained = model.toWeights();
            CheckpointWriter.save(trained, o.out(), tokFile);
            TrainingPerplexity.Result eval = valid == null ? null
                    : TrainingPerplexity.ofFile(model, tokFile, o.validText(), o.seqLen(), Math.max(1, o.batch()));
            Report report = new Report(o.out(), trained.parameterCount(), vocab, tokens.length, result, eval);
            writeJson(o, report, settings);
            if (eval != null) {
                log.accept(String.format("validation perplexity %.3f at sequence length %d over %d tokens", eval.perplexity(),
                        eval.seqLen(), eval.predictedTokens()));
            }
            log.accept("wrote " + o.out());
            return report;
        }
    }

    private static void writeJson(Options o, Report r, TrainSettings s) {
        ObjectNode train = JSON.createObjectNode();
        train.put("text", o.text().toString());
        train.put("train_tokens", r.trainTokens());
        train.put("parameters", r.parameters());
        train.put("vocab_size", r.vocab());
        ObjectNode set = train.putObject("settings");
        set.put("seq_len", s.seqLen()).put("batch", s.batch()).put("steps", s.steps()).put("lr", s.lr())
                .put("warmup", s.warmup()).put("min_lr_ratio", s.minLrRatio()).put("weight_decay", s.weightDecay())
                .put("beta1", s.beta1()).put("beta2", s.beta2()).put("clip_norm", s.clipNorm()).put("seed", s.seed())
                .put("merges", o.merges());
        train.put("last_run_start_step", r.training().startStep());
        train.put("last_run_seconds", r.training().seconds());
        train.put("tokens_per_second", r.training().tokensPerSecond());
        train.put("final_loss", r.training().lastLoss());
        write(o.out().resolve("train.json"), train);
        if (r.validation() != null) {
            ObjectNode ev = JSON.createObjectNode();
            ev.put("text", o.validText().toString());
            ev.put("perplexity", r.validation().perplexity());
            ev.put("mean_nll", r.validation().meanNll());
            ev.put("seq_len", r.validation().seqLen());
            ev.put("predicted_tokens", r.validation().predictedTokens());
            ev.put("method", "secateur eval harness: windows of seq_len + 1 tokens sharing one token, each scored on its last seq_len; ppl = exp(mean next-token NLL)");
            write(o.out().resolve("eval.json"), ev);
        }
    }

    static void write(Path file, ObjectNode json) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), json);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write (" + e.getMessage() + ")", e);
        }
    }
}
