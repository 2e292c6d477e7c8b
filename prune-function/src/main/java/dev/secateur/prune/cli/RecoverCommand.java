package dev.secateur.prune.cli;

import dev.secateur.prune.train.RecoverJob;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Recovery fine-tuning of a pruned checkpoint; progress on stderr, a JSON summary line on stdout. */
@Command(name = "recover", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune every weight of a (pruned) model on a text, keeping each layer's sizes, and write it to",
                "OUT with recovery.json: perplexity before and after recovery at --seq-len (and before pruning when the",
                "model folder's report.json records it). Evaluates on --eval-text, else on the last 5% of --text."})
public class RecoverCommand implements Runnable {
    @Option(names = "--model", required = true, description = "Hugging Face model folder (pruned or not)")
    Path model;

    @Option(names = "--eval-text", description = "evaluation text (default: hold out the last 5% of --text)")
    Path evalText;

    // 3e-4, the first default, sent two pruned demo models to a NaN loss within 50 steps; 1e-4 recovered them
    @Mixin
    TrainingRunOptions training = new TrainingRunOptions(8, 1e-4);

    @Override
    public void run() {
        RecoverJob.Report r = RecoverJob.run(new RecoverJob.Options(model, training.text(), evalText, training.out(),
                training.steps(), training.seqLen(), training.batch(), training.lr(), training.seed(), training.checkpointEvery(),
                training.resume(), training.device()), training.progress());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("out", training.out().toString());
        json.put("pplBeforePruning", r.pplBeforePruning());
        json.put("pplBeforeRecovery", r.pplBefore());
        json.put("pplAfterRecovery", r.pplAfter());
        json.put("seqLen", r.seqLen());
        json.put("evalTokens", r.evalTokens());
        json.put("seconds", Math.round(r.training().seconds() * 10) / 10.0);
        System.out.println(JsonLine.of(json));
    }
}
