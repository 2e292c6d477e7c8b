package dev.secateur.prune.encoder;

import dev.secateur.model.EncoderWeights;
import dev.secateur.onnx.OnnxImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code import --onnx FILE --tokenizer FILE --out DIR [--heads N]}: a BERT-family encoder's ONNX file (torch.onnx
 * export) to a Hugging Face folder (config.json "BertModel", model.safetensors, tokenizer.json) that the prune
 * function reads like any checkpoint. A plain main until the function's CLI wires it in as a subcommand.
 */
public final class ImportOnnx {
    private ImportOnnx() {
    }

    public static void main(String[] argv) {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (argv[i].equals("import")) {
                continue;
            }
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
                usage("unexpected argument '" + argv[i] + "'");
            }
            a.put(argv[i].substring(2), argv[++i]);
        }
        if (!a.containsKey("onnx") || !a.containsKey("out")) {
            usage("--onnx and --out are required");
        }
        Path tokenizer = a.containsKey("tokenizer") ? Path.of(a.get("tokenizer")) : null;
        if (tokenizer != null && !Files.isRegularFile(tokenizer)) {
            usage(tokenizer + ": no such tokenizer file");
        }
        EncoderWeights w = run(Path.of(a.get("onnx")), tokenizer, Path.of(a.get("out")),
                a.containsKey("heads") ? Integer.valueOf(a.get("heads")) : null);
        System.out.printf("imported %s: %s, %d layers, %d heads, hidden %d, %.2f M parameters -> %s%n", a.get("onnx"),
                w.config().architecture().hfName(), w.layers().size(), w.config().numHeads(), w.hiddenSize(), w.parameterCount() / 1e6, a.get("out"));
    }

    /** Imports and writes the folder; returns the weights. */
    public static EncoderWeights run(Path onnx, Path tokenizer, Path out, Integer heads) {
        EncoderWeights w = OnnxImporter.importBert(OnnxImporter.readModel(onnx), onnx.toString(), heads);
        w.save(out, tokenizer);
        return w;
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: import --onnx FILE --tokenizer FILE --out DIR [--heads N]");
        System.exit(2);
    }
}
