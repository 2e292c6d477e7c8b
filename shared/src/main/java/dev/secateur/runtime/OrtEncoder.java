package dev.secateur.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.secateur.embedding.Embeddings;
import dev.secateur.tokenizer.SentenceTokenizer.Batch;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A BERT-family encoder ONNX file on ONNX Runtime: ours (outputs last_hidden_state and sentence_embedding)
 * or a torch.onnx export such as all-MiniLM-L6-v2's (last_hidden_state only: the sentence embedding is then
 * mean-pooled and normalised here, exactly as our graph does it). Thread-safe; close it when done.
 */
public final class OrtEncoder implements AutoCloseable {
    public static final String SENTENCE_EMBEDDING = "sentence_embedding";
    public static final String LAST_HIDDEN_STATE = "last_hidden_state";

    private final OpenSession ort;
    private final boolean tokenTypes;
    private final boolean pooledInGraph;
    private final int hidden;
    private final Map<String, String> metadata;

    private OrtEncoder(OpenSession ort) throws OrtException {
        this.ort = ort;
        Path file = ort.model();
        OrtSession session = ort.session();
        Set<String> inputs = session.getInputNames();
        if (!inputs.contains("input_ids") || !inputs.contains("attention_mask")) {
            throw new ModelLoadException(file + ": not an encoder graph (expects inputs input_ids, attention_mask[, token_type_ids]; has " + inputs + ")");
        }
        if (!session.getOutputNames().contains(LAST_HIDDEN_STATE)) {
            throw new ModelLoadException(file + ": no output " + LAST_HIDDEN_STATE + " (has " + session.getOutputNames() + ")");
        }
        this.tokenTypes = inputs.contains("token_type_ids");
        this.pooledInGraph = session.getOutputNames().contains(SENTENCE_EMBEDDING);
        long[] shape = ((TensorInfo) session.getOutputInfo().get(LAST_HIDDEN_STATE).getInfo()).getShape();
        this.hidden = (int) shape[shape.length - 1];
        this.metadata = Map.copyOf(session.getMetadata().getCustomMetadata());
    }

    /** Opens on CPU with ONNX Runtime's default threads. */
    public static OrtEncoder open(Path file) {
        return open(file, 0, false);
    }

    /**
     * @param intraOpThreads 0 = ONNX Runtime's default
     * @param cuda try the CUDA execution provider first; fall back to CPU (logged) when it does not load
     */
    public static OrtEncoder open(Path file, int intraOpThreads, boolean cuda) {
        return open(file, OrtDecoder.Options.defaults().withIntraOpThreads(intraOpThreads).withCuda(cuda));
    }

    /** A model.onnx, or a folder holding one (whose manifest.json is checked when the options ask for it). */
    public static OrtEncoder open(Path file, OrtDecoder.Options options) {
        Path model = Files.isDirectory(file) ? file.resolve("model.onnx") : file;
        return OrtSessions.open(model, options, OrtEncoder::new);
    }

    /** The model's outputs for one batch. */
    public record Result(int batch, int seq, int hidden, float[] lastHiddenState, float[][] sentenceEmbeddings) {
    }

    public Result run(Batch b) {
        long[] shape = {b.batch(), b.seq()};
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
            in.put("input_ids", OnnxTensor.createTensor(ort.env(), LongBuffer.wrap(b.inputIds()), shape));
            in.put("attention_mask", OnnxTensor.createTensor(ort.env(), LongBuffer.wrap(b.attentionMask()), shape));
            if (tokenTypes) {
                in.put("token_type_ids", OnnxTensor.createTensor(ort.env(), LongBuffer.wrap(b.tokenTypeIds()), shape));
            }
            try (OrtSession.Result r = ort.session().run(in)) {
                float[] h = floats(r.get(LAST_HIDDEN_STATE).orElseThrow());
                float[][] emb;
                if (pooledInGraph) {
                    float[] flat = floats(r.get(SENTENCE_EMBEDDING).orElseThrow());
                    emb = new float[b.batch()][hidden];
                    for (int i = 0; i < b.batch(); i++) {
                        System.arraycopy(flat, i * hidden, emb[i], 0, hidden);
                    }
                } else {
                    emb = Embeddings.meanPoolNormalize(h, b.attentionMask(), b.batch(), b.seq(), hidden);
                }
                return new Result(b.batch(), b.seq(), hidden, h, emb);
            }
        } catch (OrtException e) {
            throw new InferenceException(ort.model() + ": inference failed (" + e.getMessage() + ")", e);
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    private static float[] floats(OnnxValue v) {
        FloatBuffer fb = ((OnnxTensor) v).getFloatBuffer();
        float[] out = new float[fb.remaining()];
        fb.get(out);
        return out;
    }

    public int hiddenSize() {
        return hidden;
    }

    public boolean pooledInGraph() {
        return pooledInGraph;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public String provider() {
        return ort.provider();
    }

    @Override
    public void close() {
        ort.close();
    }
}
