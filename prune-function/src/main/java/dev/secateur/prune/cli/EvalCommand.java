package dev.secateur.prune.cli;

import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.onnx.ModelExport;
import dev.secateur.prune.eval.DjlLanguageModel;
import dev.secateur.prune.eval.LanguageModel;
import dev.secateur.prune.eval.OrtLanguageModel;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.prune.eval.Perplexity;
import dev.secateur.prune.model.DecoderModel;
import dev.secateur.prune.model.Devices;
import dev.secateur.tokenizer.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Perplexity of a model on a text file, as one JSON line on stdout. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Perplexity on a text: windows of seq-len+1 tokens sharing one token, each scored on its last",
                "seq-len tokens; prints {model, perplexity, tokens, seqLen, device, seconds} (seconds: evaluation only)."})
public class EvalCommand implements Runnable {
    @Option(names = "--model", required = true, description = "Hugging Face model folder, or an ONNX export (model.onnx)")
    Path model;

    @Option(names = "--text", required = true, description = "UTF-8 text file")
    Path text;

    @Option(names = "--seq-len", required = true, description = "tokens of context per window")
    int seqLen;

    @Option(names = "--max-tokens", defaultValue = "0", description = "score at most this many tokens (whole windows); 0 = all")
    long maxTokens;

    @Mixin
    DeviceOption device;

    @Option(names = "--batch-size", defaultValue = "1", description = "windows per forward pass (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--tokenizer", description = "tokenizer.json (default: the model folder's)")
    Path tokenizer;

    /** An exported folder (model.onnx) runs on ONNX Runtime, a Hugging Face folder on DJL. */
    private LanguageModel open() {
        if (Files.isRegularFile(model.resolve(ModelExport.MODEL_FILE))) {
            // ONNX Runtime tries CUDA and falls back to CPU when it does not load; "device" reports which ran.
            boolean cuda = !device.name.equals("cpu");
            return new OrtLanguageModel(OrtDecoder.open(model, OrtDecoder.Options.defaults().withCuda(cuda)));
        }
        return new DjlLanguageModel(DecoderModel.load(model, Devices.resolve(device.name)));
    }

    private String contextReason() {
        return Files.isRegularFile(model.resolve(ModelExport.MODEL_FILE)) ? "the export's " + ModelExport.MAX_POSITIONS
                : dev.secateur.checkpoint.ConfigReader.read(model).contextLengthReason();
    }

    @Override
    public void run() {
        if (!Files.isDirectory(model)) {
            // Checked first: otherwise the missing folder surfaces as a missing tokenizer.json.
            throw new CheckpointException(model + ": model folder does not exist");
        }
        Perplexity perplexity = new Perplexity(seqLen, maxTokens, batchSize);
        try (TextTokenizer tok = TextTokenizer.load(tokenizer != null ? tokenizer : model);
                LanguageModel lm = open()) {
            if (seqLen > lm.contextLength()) {
                throw new IllegalArgumentException("--seq-len: " + seqLen + " exceeds the model's context of " + lm.contextLength()
                        + " tokens (" + contextReason() + ")");
            }
            long start = System.nanoTime();
            Perplexity.Result r = perplexity.evaluate(lm, tok, text);
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", model.toString());
            out.put("perplexity", r.perplexity());
            out.put("tokens", r.tokens());
            out.put("seqLen", r.seqLen());
            out.put("device", lm.device());
            out.put("seconds", Math.round(seconds * 1000) / 1000.0);
            System.out.println(JsonLine.of(out));
        }
    }
}
