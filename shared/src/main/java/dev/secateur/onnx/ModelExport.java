package dev.secateur.onnx;

import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.model.DecoderSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The names of an export's files and of the metadata_props keys (secateur.*) that carry everything the server needs;
 * {@link ArtifactWriter} writes the folder.
 */
public final class ModelExport {
    public static final String MODEL_FILE = "model.onnx";
    public static final String TOKENIZER_FILE = "tokenizer.json";

    /** Metadata keys written into metadata_props. */
    public static final String KIND = "secateur.kind";
    public static final String ARCHITECTURE = "secateur.architecture";
    public static final String LAYER_SIZES = "secateur.layer_sizes";
    public static final String HEAD_DIM = "secateur.head_dim";
    public static final String HIDDEN_SIZE = "secateur.hidden_size";
    public static final String NUM_LAYERS = "secateur.num_layers";
    public static final String VOCAB_SIZE = "secateur.vocab_size";
    public static final String MAX_POSITIONS = "secateur.max_positions";
    public static final String BOS_TOKEN_ID = "secateur.bos_token_id";
    public static final String EOS_TOKEN_ID = "secateur.eos_token_id";
    public static final String SOURCE_SHA256 = "secateur.source_sha256";
    public static final String TOKENIZER = "secateur.tokenizer";
    public static final String PLAN = "secateur.plan";
    public static final String DTYPE = "secateur.dtype";
    public static final String PARAMETERS = "secateur.parameters";

    private ModelExport() {
    }

    /** The metadata_props of a decoder export (without caller-supplied entries). */
    public static Map<String, String> metadata(DecoderSource w, boolean fp16) {
        ModelConfig c = w.config();
        Map<String, String> m = ModelDescription.of(w, fp16).metadata();
        if (c.bosTokenId() != null) {
            m.put(BOS_TOKEN_ID, c.bosTokenId().toString());
        }
        if (c.eosTokenId() != null) {
            m.put(EOS_TOKEN_ID, c.eosTokenId().toString());
        }
        return m;
    }

    /**
     * sha256 over the source folder's config.json and weight files, in name order: for each file its name, a
     * newline, its own sha256 and a newline. Stable under re-sharding of nothing else.
     */
    public static String sourceSha256(Path modelDir) {
        try (Stream<Path> s = Files.list(modelDir)) {
            List<Path> files = s.filter(ArtifactWriter::isCheckpointFile).sorted().toList();
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                md.update((f.getFileName() + "\n" + ExportManifest.sha256(f) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new OnnxExportException(modelDir + ": cannot hash source files (" + e + ")", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
