package dev.secateur.prune.cli;

import dev.secateur.model.EncoderWeights;
import dev.secateur.onnx.OnnxImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A BERT-family encoder's ONNX file (a torch.onnx export) → a Hugging Face folder (config.json "BertModel",
 * model.safetensors, tokenizer.json) that `prune` and the encoder tools read like any checkpoint.
 */
@Command(name = "import", mixinStandardHelpOptions = true, description = "Import a BERT encoder from an ONNX file into a model folder.")
public class ImportCommand implements Runnable {
    @Option(names = "--onnx", required = true, description = "ONNX file of a BertModel export")
    Path onnx;

    @Option(names = "--tokenizer", description = "tokenizer.json to copy beside the weights")
    Path tokenizer;

    @Mixin
    OutputFolderOption out;

    @Option(names = "--heads", description = "attention heads (default: read from the graph)")
    Integer heads;

    @Override
    public void run() {
        if (!Files.isRegularFile(onnx)) {
            throw new IllegalArgumentException("--onnx: " + onnx + " does not exist");
        }
        if (tokenizer != null && !Files.isRegularFile(tokenizer)) {
            throw new IllegalArgumentException("--tokenizer: " + tokenizer + " does not exist");
        }
        EncoderWeights w = OnnxImporter.importBert(OnnxImporter.readModel(onnx), onnx.toString(), heads);
        w.save(out.path, tokenizer);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("out", out.path.toString());
        line.put("architecture", w.config().architecture().hfName());
        line.put("layers", w.layers().size());
        line.put("heads", w.config().numHeads());
        line.put("hidden", w.hiddenSize());
        line.put("parameters", w.parameterCount());
        System.out.println(JsonLine.of(line));
    }
}
