package dev.secateur.onnx;

import dev.secateur.json.Json;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.model.DecoderSource;
import dev.secateur.model.StreamedCheckpoint;
import dev.secateur.model.LayerSizes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Exports a model as a servable folder: {@code model.onnx} (+ {@code model.onnx.data} for large models),
 * {@code tokenizer.json} when the source has one, and {@code manifest.json} with every file's sha256.
 * Everything the server needs is in the model's metadata_props (keys {@code secateur.*}).
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

    private static final ObjectMapper JSON = Json.mapper();

    /**
     * @param fp16 store weights and compute in half precision (see {@link DecoderOnnxExporter})
     * @param externalDataThreshold initializer bytes above which weights go to {@code model.onnx.data}
     */
    public record Options(boolean fp16, long externalDataThreshold) {
        /** Above this many weight bytes an export streams into external data rather than holding the model. */
        public static final long STREAM_ABOVE = 256L << 20;

        public static Options defaults(boolean fp16) {
            return new Options(fp16, STREAM_ABOVE);
        }
    }

    private ModelExport() {
    }

    /**
     * Exports a Hugging Face model folder. {@code extraMetadata} is copied into metadata_props as given
     * (e.g. {@code secateur.plan}); {@code secateur.source_sha256} is computed from the source files when absent.
     */
    public static ExportManifest export(Path modelDir, Path outDir, boolean fp16, Map<String, String> extraMetadata) {
        return export(modelDir, outDir, Options.defaults(fp16), extraMetadata);
    }

    /**
     * Exports a model folder of either kind, deciding by its config: a decoder's graph with a key/value cache (streamed
     * block by block), or an encoder's (BertModel; secateur.kind=encoder, served on /v1/embeddings), which is float32 only.
     */
    public static ExportManifest exportFolder(Path modelDir, Path outDir, boolean fp16, Map<String, String> extraMetadata) {
        if (dev.secateur.checkpoint.ConfigReader.read(modelDir).architecture().isDecoder()) {
            return export(modelDir, outDir, Options.defaults(fp16), extraMetadata);
        }
        if (fp16) {
            throw new OnnxExportException(modelDir + ": encoders are exported in float32 only");
        }
        Map<String, String> meta = new LinkedHashMap<>(extraMetadata);
        meta.computeIfAbsent(SOURCE_SHA256, k -> sourceSha256(modelDir));
        Path tokenizer = modelDir.resolve(TOKENIZER_FILE);
        return EncoderOnnxExporter.export(dev.secateur.model.EncoderWeights.load(modelDir), Files.isRegularFile(tokenizer) ? tokenizer : null,
                outDir, meta);
    }

    public static ExportManifest export(Path modelDir, Path outDir, Options options, Map<String, String> extraMetadata) {
        Map<String, String> meta = new LinkedHashMap<>(extraMetadata);
        meta.computeIfAbsent(SOURCE_SHA256, k -> sourceSha256(modelDir));
        Path tokenizer = modelDir.resolve(TOKENIZER_FILE);
        try (StreamedCheckpoint source = StreamedCheckpoint.open(modelDir)) {
            return export(source, Files.isRegularFile(tokenizer) ? tokenizer : null, outDir, options, meta);
        } catch (CheckpointException e) {
            throw new OnnxExportException("cannot export " + modelDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Exports a model; {@code tokenizer} may be null. Weights of a model larger than {@link Options#externalDataThreshold}
     * stream into {@code model.onnx.data} as each block is read, so the export holds one block; smaller models are
     * written as one self-contained file.
     */
    public static ExportManifest export(DecoderSource weights, Path tokenizer, Path outDir, Options options,
            Map<String, String> extraMetadata) {
        prepareOutput(outDir);
        long estimatedBytes = weights.parameterCount() * (options.fp16() ? 2 : 4);
        Path modelFile = outDir.resolve(MODEL_FILE);
        List<Path> files = new ArrayList<>();
        if (estimatedBytes > options.externalDataThreshold()) {
            try (ExternalData data = new ExternalData(modelFile.resolveSibling(MODEL_FILE + ".data"))) {
                GraphBuilder graph = DecoderOnnxExporter.build(weights, options.fp16(), data);
                files.addAll(OnnxWriter.write(graph, metadata(weights, options.fp16(), extraMetadata), modelFile, 0));
            }
        } else {
            GraphBuilder graph = DecoderOnnxExporter.build(weights, options.fp16());
            files.addAll(OnnxWriter.write(graph, metadata(weights, options.fp16(), extraMetadata), modelFile, Long.MAX_VALUE));
        }
        if (tokenizer != null) {
            files.addAll(TokenizerFiles.copy(tokenizer, outDir));
        }
        ExportManifest manifest = new ExportManifest(ExportManifest.FORMAT, "decoder", weights.config().architecture().hfName(),
                options.fp16() ? "float16" : "float32", weights.parameterCount(), weights.layerSizes(),
                files.stream().map(f -> ExportManifest.FileEntry.of(outDir, f)).toList());
        manifest.write(outDir);
        return manifest;
    }

    private static Map<String, String> metadata(DecoderSource w, boolean fp16, Map<String, String> extra) {
        Map<String, String> meta = metadata(w, fp16);
        meta.putAll(extra);
        return meta;
    }

    /** The metadata_props of a decoder export (without caller-supplied entries). */
    public static Map<String, String> metadata(DecoderSource w, boolean fp16) {
        ModelConfig c = w.config();
        Map<String, String> m = new LinkedHashMap<>();
        m.put(KIND, "decoder");
        m.put(ARCHITECTURE, c.architecture().hfName());
        ArrayNode sizes = JSON.createArrayNode();
        for (LayerSizes s : w.layerSizes()) {
            sizes.addObject().put("heads", s.heads()).put("kvHeads", s.kvHeads()).put("ffn", s.ffn());
        }
        m.put(LAYER_SIZES, sizes.toString());
        m.put(HEAD_DIM, Integer.toString(w.headDim()));
        m.put(HIDDEN_SIZE, Integer.toString(c.hiddenSize()));
        m.put(NUM_LAYERS, Integer.toString(w.numLayers()));
        m.put(VOCAB_SIZE, Integer.toString(c.vocabSize()));
        // serve-function refuses prompts and completions past this; capped at a sliding window, beyond which the graph
        // (which has no window mask) would attend further back than the model was trained to
        m.put(MAX_POSITIONS, Integer.toString(c.contextLength()));
        if (c.bosTokenId() != null) {
            m.put(BOS_TOKEN_ID, c.bosTokenId().toString());
        }
        if (c.eosTokenId() != null) {
            m.put(EOS_TOKEN_ID, c.eosTokenId().toString());
        }
        m.put(TOKENIZER, TOKENIZER_FILE);
        m.put(DTYPE, fp16 ? "float16" : "float32");
        m.put(PARAMETERS, Long.toString(w.parameterCount()));
        return m;
    }

    /**
     * sha256 over the source folder's config.json and weight files, in name order: for each file its name, a
     * newline, its own sha256 and a newline. Stable under re-sharding of nothing else.
     */
    public static String sourceSha256(Path modelDir) {
        try (Stream<Path> s = Files.list(modelDir)) {
            List<Path> files = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.equals("config.json") || n.endsWith(".safetensors") || n.equals("model.safetensors.index.json");
            }).sorted().toList();
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

    private static void prepareOutput(Path outDir) {
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new OnnxExportException("output folder " + outDir + " cannot be created (" + e + ")", e);
        }
        if (!Files.isDirectory(outDir) || !Files.isWritable(outDir)) {
            throw new OnnxExportException("output folder " + outDir + " is not a writable directory");
        }
    }
}
