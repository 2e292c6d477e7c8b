package dev.secateur.runtime;

import dev.secateur.json.Json;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.model.LayerSizes;
import dev.secateur.onnx.ModelExport;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An exported decoder folder ({@code model.onnx}, manifest.json, tokenizer.json) loaded on ONNX Runtime.
 * The session is shared and thread-safe: every method may be called concurrently, and per-request state
 * (the key/value cache) lives in a {@link Generator}.
 */
public final class OrtDecoder implements AutoCloseable {
    private static final ObjectMapper JSON = Json.mapper();
    public static final String CPU = "CPUExecutionProvider";
    public static final String CUDA = "CUDAExecutionProvider";

    /**
     * @param intraOpThreads 0 = ONNX Runtime's default (one per core)
     * @param cuda try the CUDA execution provider on {@code cudaDevice}; fall back to CPU (logged) if it does not load
     * @param verifyManifest check every file's size and sha256 against manifest.json (when there is one) before loading
     * @param spinning let ONNX Runtime's intra-op threads spin between runs (its default): lower latency on idle
     *                 cores, but on shared or CPU-limited ones the spinning threads take the cores from the caller
     */
    public record Options(int intraOpThreads, OptLevel optLevel, boolean cuda, int cudaDevice, boolean verifyManifest,
                          boolean spinning) {

        public Options(int intraOpThreads, OptLevel optLevel, boolean cuda, int cudaDevice, boolean verifyManifest) {
            this(intraOpThreads, optLevel, cuda, cudaDevice, verifyManifest, true);
        }

        public static Options defaults() {
            return new Options(0, OptLevel.ALL_OPT, false, 0, true, true);
        }

        public Options withCuda(boolean on) {
            return new Options(intraOpThreads, optLevel, on, cudaDevice, verifyManifest, spinning);
        }

        public Options withOptLevel(OptLevel level) {
            return new Options(intraOpThreads, level, cuda, cudaDevice, verifyManifest, spinning);
        }

        public Options withIntraOpThreads(int n) {
            return new Options(n, optLevel, cuda, cudaDevice, verifyManifest, spinning);
        }

        public Options withSpinning(boolean on) {
            return new Options(intraOpThreads, optLevel, cuda, cudaDevice, verifyManifest, on);
        }
    }

    private final Path dir;
    private final OpenSession ort;
    private final Map<String, String> metadata;
    private final int numLayers;
    private final int[] kvHeads;
    private final int headDim;
    private final int vocabSize;
    private final int maxPositions;
    private final boolean halfCache;
    private final List<LayerSizes> layerSizes;

    private OrtDecoder(Path dir, OpenSession ort) {
        this.dir = dir;
        this.ort = ort;
        OrtSession session = ort.session();
        try {
            this.metadata = Map.copyOf(session.getMetadata().getCustomMetadata());
            Map<String, NodeInfo> inputs = session.getInputInfo();
            List<Integer> kv = new ArrayList<>();
            int hd = 0;
            boolean half = false;
            for (int i = 0; inputs.containsKey("past_key_values." + i + ".key"); i++) {
                TensorInfo t = (TensorInfo) inputs.get("past_key_values." + i + ".key").getInfo();
                kv.add((int) t.getShape()[1]);
                hd = (int) t.getShape()[3];
                half = t.type == OnnxJavaType.FLOAT16;
            }
            if (kv.isEmpty() || !inputs.containsKey("input_ids") || !inputs.containsKey("attention_mask")
                    || !inputs.containsKey("position_ids")) {
                throw new ModelLoadException(file() + ": not a decoder graph (expects input_ids, attention_mask, position_ids, "
                        + "past_key_values.{i}.key/value; has " + inputs.keySet() + ")");
            }
            this.numLayers = kv.size();
            this.kvHeads = kv.stream().mapToInt(Integer::intValue).toArray();
            this.headDim = hd;
            this.halfCache = half;
            TensorInfo logits = (TensorInfo) session.getOutputInfo().get("logits").getInfo();
            this.vocabSize = (int) logits.getShape()[2];
            this.maxPositions = Integer.parseInt(metadata.getOrDefault(ModelExport.MAX_POSITIONS, Integer.toString(Integer.MAX_VALUE)));
            this.layerSizes = parseLayerSizes(metadata.get(ModelExport.LAYER_SIZES));
        } catch (OrtException e) {
            throw new ModelLoadException(file() + ": cannot read the model's inputs and metadata (" + e.getMessage() + ")", e);
        }
    }

    public static OrtDecoder open(Path dir) {
        return open(dir, Options.defaults());
    }

    /** Opens an exported folder: verifies manifest.json (if present and asked), then creates the session. */
    public static OrtDecoder open(Path dir, Options options) {
        return OrtSessions.open(dir.resolve(ModelExport.MODEL_FILE), options,
                session -> new OrtDecoder(dir, session));
    }

    private static List<LayerSizes> parseLayerSizes(String json) {
        if (json == null) {
            return List.of();
        }
        try {
            List<LayerSizes> out = new ArrayList<>();
            for (JsonNode n : JSON.readTree(json)) {
                out.add(new LayerSizes(n.path("heads").asInt(), n.path("kvHeads").asInt(), n.path("ffn").asInt()));
            }
            return List.copyOf(out);
        } catch (IOException e) {
            return List.of();
        }
    }

    private Path file() {
        return dir.resolve(ModelExport.MODEL_FILE);
    }

    /** {@value #CUDA} or {@value #CPU}: the execution provider the session was created with. */
    public String provider() {
        return ort.provider();
    }

    public Path dir() {
        return dir;
    }

    /** The model's metadata_props (keys {@code secateur.*}). */
    public Map<String, String> metadata() {
        return metadata;
    }

    public int numLayers() {
        return numLayers;
    }

    public int vocabSize() {
        return vocabSize;
    }

    public int headDim() {
        return headDim;
    }

    public int maxPositions() {
        return maxPositions;
    }

    public List<LayerSizes> layerSizes() {
        return layerSizes;
    }

    public Integer eosTokenId() {
        String v = metadata.get(ModelExport.EOS_TOKEN_ID);
        return v == null ? null : Integer.valueOf(v);
    }

    public Integer bosTokenId() {
        String v = metadata.get(ModelExport.BOS_TOKEN_ID);
        return v == null ? null : Integer.valueOf(v);
    }

    /** Full forward with an empty cache and no padding: logits [batch][seq][vocab]. */
    public float[][][] logits(long[][] ids) {
        long[][] mask = new long[ids.length][];
        for (int b = 0; b < ids.length; b++) {
            mask[b] = new long[ids[b].length];
            java.util.Arrays.fill(mask[b], 1);
        }
        return logits(ids, mask);
    }

    /**
     * Full forward with an empty cache; mask 0 marks padding (left or right). Position ids count the unpadded
     * tokens (cumsum(mask) − 1, 1 on padding, as Hugging Face's generate does), so a left-padded row gives the
     * same logits at its real tokens as the row alone.
     */
    public float[][][] logits(long[][] ids, long[][] attentionMask) {
        if (ids.length == 0 || ids[0].length == 0 || attentionMask.length != ids.length) {
            throw new IllegalArgumentException("need at least one row of at least one token, and one mask row per row");
        }
        int batch = ids.length, seq = ids[0].length;
        long[] flatIds = new long[batch * seq];
        long[] flatMask = new long[batch * seq];
        long[] pos = new long[batch * seq];
        for (int b = 0; b < batch; b++) {
            if (ids[b].length != seq || attentionMask[b].length != seq) {
                throw new IllegalArgumentException("row " + b + " has " + ids[b].length + " ids and " + attentionMask[b].length
                        + " mask entries; every row needs " + seq);
            }
            long count = 0;
            for (int t = 0; t < seq; t++) {
                flatIds[b * seq + t] = ids[b][t];
                flatMask[b * seq + t] = attentionMask[b][t];
                count += attentionMask[b][t] != 0 ? 1 : 0;
                pos[b * seq + t] = attentionMask[b][t] != 0 ? count - 1 : 1;
            }
        }
        try (Step step = run(batch, seq, flatIds, flatMask, pos, null, 0)) {
            FloatBuffer fb = step.logits();
            float[][][] out = new float[batch][seq][vocabSize];
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < seq; t++) {
                    fb.get(out[b][t]);
                }
            }
            return out;
        }
    }

    /**
     * Summed negative log-likelihood of ids[1..] given their prefixes, in one forward over the window
     * (for perplexity: windows of the evaluation text, summed, exp(sum / count)).
     */
    public Nll negLogLikelihood(int[] window) {
        if (window.length < 2) {
            return new Nll(0, 0);
        }
        int seq = window.length;
        long[] ids = new long[seq];
        long[] mask = new long[seq];
        long[] pos = new long[seq];
        for (int t = 0; t < seq; t++) {
            ids[t] = window[t];
            mask[t] = 1;
            pos[t] = t;
        }
        try (Step step = run(1, seq, ids, mask, pos, null, 0)) {
            FloatBuffer fb = step.logits();
            float[] row = new float[vocabSize];
            double sum = 0;
            for (int t = 0; t < seq - 1; t++) {
                fb.get(row);
                sum -= Sampler.logSoftmax(row, window[t + 1]);
            }
            return new Nll(sum, seq - 1);
        }
    }

    /** A new per-request generation state (batch 1) over this shared session; close it when done. */
    public Generator generator() {
        return new Generator(this);
    }

    /**
     * Prefill + incremental decode with the key/value cache. Each chosen token goes to {@code callback} first;
     * a stop token ends generation without being emitted; the callback returning false ends it after that token.
     */
    public GenerationResult generate(int[] prompt, SamplingParams params, TokenCallback callback) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt needs at least one token");
        }
        if (prompt.length >= maxPositions) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens does not fit the model's "
                    + maxPositions + " positions");
        }
        Sampler sampler = new Sampler(params);
        List<Integer> tokens = new ArrayList<>();
        List<Double> logprobs = new ArrayList<>();
        if (params.maxTokens() == 0) {
            return new GenerationResult(prompt.length, tokens, logprobs, GenerationResult.LENGTH);
        }
        try (Generator gen = generator()) {
            float[] logits = gen.feed(prompt);
            while (true) {
                int token = sampler.next(logits);
                if (params.stopTokenIds().contains((long) token)) {
                    return new GenerationResult(prompt.length, tokens, logprobs, GenerationResult.STOP);
                }
                tokens.add(token);
                logprobs.add(Sampler.logSoftmax(logits, token));
                if (!callback.onToken(token)) {
                    return new GenerationResult(prompt.length, tokens, logprobs, GenerationResult.STOP);
                }
                if (tokens.size() >= params.maxTokens() || gen.length() >= maxPositions) {
                    return new GenerationResult(prompt.length, tokens, logprobs, GenerationResult.LENGTH);
                }
                logits = gen.feed(new int[] {token});
            }
        }
    }

    /** A key/value cache that can be fed as past_key_values: a previous run's outputs, or a {@link DecodeBatch}'s packed rows. */
    interface PastCache extends AutoCloseable {
        OnnxTensor key(int layer);

        OnnxTensor value(int layer);

        @Override
        void close();
    }

    /** One session run; holds the Result (whose present.* tensors become the next past) until closed. */
    final class Step implements PastCache {
        final OrtSession.Result result;
        final int batch;
        final int seq;

        Step(OrtSession.Result result, int batch, int seq) {
            this.result = result;
            this.batch = batch;
            this.seq = seq;
        }

        FloatBuffer logits() {
            return ((OnnxTensor) result.get("logits").orElseThrow()).getFloatBuffer();
        }

        @Override
        public OnnxTensor key(int layer) {
            return (OnnxTensor) result.get("present." + layer + ".key").orElseThrow();
        }

        @Override
        public OnnxTensor value(int layer) {
            return (OnnxTensor) result.get("present." + layer + ".value").orElseThrow();
        }

        @Override
        public void close() {
            result.close();
        }
    }

    /**
     * Runs the graph. {@code past} is the previous step (its present tensors are fed back as past, without
     * copying them through Java) or packed rows; null means an empty cache of {@code pastLen} = 0.
     */
    Step run(int batch, int seq, long[] ids, long[] mask, long[] pos, PastCache past, int pastLen) {
        List<OnnxTensor> owned = new ArrayList<>();
        try {
            Map<String, OnnxTensor> in = new HashMap<>();
            in.put("input_ids", own(owned, OnnxTensor.createTensor(ort.env(), LongBuffer.wrap(ids), new long[] {batch, seq})));
            in.put("attention_mask", own(owned, OnnxTensor.createTensor(ort.env(), LongBuffer.wrap(mask),
                    new long[] {batch, mask.length / batch})));
            in.put("position_ids", own(owned, OnnxTensor.createTensor(ort.env(), LongBuffer.wrap(pos), new long[] {batch, seq})));
            for (int i = 0; i < numLayers; i++) {
                if (past == null) {
                    long[] shape = {batch, kvHeads[i], 0, headDim};
                    in.put("past_key_values." + i + ".key", own(owned, empty(shape)));
                    in.put("past_key_values." + i + ".value", own(owned, empty(shape)));
                } else {
                    in.put("past_key_values." + i + ".key", past.key(i));
                    in.put("past_key_values." + i + ".value", past.value(i));
                }
            }
            return new Step(ort.session().run(in), batch, seq);
        } catch (OrtException e) {
            throw new InferenceException(file() + ": inference failed (batch " + batch + ", " + seq + " new tokens, "
                    + pastLen + " cached): " + e.getMessage(), e);
        } finally {
            for (OnnxTensor t : owned) {
                t.close();
            }
        }
    }

    OrtEnvironment env() {
        return ort.env();
    }

    int kvHeads(int layer) {
        return kvHeads[layer];
    }

    boolean halfCache() {
        return halfCache;
    }

    /** An empty set of rows that decode one token each per run; see {@link DecodeBatch}. */
    public DecodeBatch decodeBatch() {
        return new DecodeBatch(this);
    }

    private static OnnxTensor own(List<OnnxTensor> owned, OnnxTensor t) {
        owned.add(t);
        return t;
    }

    private OnnxTensor empty(long[] shape) throws OrtException {
        return halfCache
                ? OnnxTensor.createTensor(ort.env(), ShortBuffer.allocate(0), shape, OnnxJavaType.FLOAT16)
                : OnnxTensor.createTensor(ort.env(), FloatBuffer.allocate(0), shape);
    }

    @Override
    public void close() {
        ort.close();
    }
}
