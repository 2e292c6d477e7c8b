package dev.secateur.tools;

import dev.secateur.prune.cli.JsonLine;
import dev.secateur.prune.cli.TrainingRunOptions;
import dev.secateur.prune.train.TrainJob;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Trains a small Llama from scratch on a text file; progress on stderr, a JSON summary line on stdout. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a LlamaForCausalLM from scratch on a text file: learns a byte-level BPE tokenizer, then",
                "trains with AdamW (warm-up + cosine, gradient clipping) on seeded random windows, checkpointing every",
                "K steps to OUT/checkpoints (--resume continues from the latest), and writes a Hugging Face folder:",
                "config.json, model.safetensors, tokenizer.json, train.json (+ eval.json with --valid-text)."})
public class TrainCommand implements Runnable {
    @Option(names = "--valid-text", description = "held-out text: validation perplexity at --seq-len into eval.json")
    Path validText;

    @Option(names = "--hidden", defaultValue = "256", description = "hidden size (default: ${DEFAULT-VALUE})")
    int hidden;

    @Option(names = "--layers", defaultValue = "6", description = "decoder layers (default: ${DEFAULT-VALUE})")
    int layers;

    @Option(names = "--heads", defaultValue = "8", description = "attention heads (default: ${DEFAULT-VALUE})")
    int heads;

    @Option(names = "--kv-heads", defaultValue = "2", description = "key/value heads, GQA (default: ${DEFAULT-VALUE})")
    int kvHeads;

    @Option(names = "--ffn", defaultValue = "768", description = "FFN intermediate size (default: ${DEFAULT-VALUE})")
    int ffn;

    @Option(names = "--vocab-merges", defaultValue = "2000",
            description = "BPE merges; vocab = 256 bytes + merges + <|endoftext|> (default: ${DEFAULT-VALUE})")
    int merges;

    @Option(names = "--tie-embeddings", defaultValue = "false", description = "tie lm_head to the embedding")
    boolean tied;

    @Mixin
    TrainingRunOptions training = new TrainingRunOptions(16, 3e-3);

    @Override
    public void run() {
        TrainJob.Report r = TrainJob.run(new TrainJob.Options(training.text(), training.out(), validText, hidden, layers, heads,
                kvHeads, ffn, merges, training.seqLen(), training.batch(), training.steps(), training.lr(), training.seed(),
                training.checkpointEvery(), training.resume(), training.device(), tied), training.progress());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("out", training.out().toString());
        json.put("parameters", r.parameters());
        json.put("vocab", r.vocab());
        json.put("trainTokens", r.trainTokens());
        json.put("steps", r.training().endStep());
        json.put("finalLoss", r.training().lastLoss());
        json.put("seconds", Math.round(r.training().seconds() * 10) / 10.0);
        json.put("tokensPerSecond", Math.round(r.training().tokensPerSecond()));
        if (r.validation() != null) {
            json.put("validPerplexity", r.validation().perplexity());
            json.put("validSeqLen", r.validation().seqLen());
        }
        System.out.println(JsonLine.of(json));
    }
}
