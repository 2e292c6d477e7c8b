package dev.secateur.onnx;

import dev.secateur.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedInputStream;
import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.checkpoint.ModelConfig;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.EncoderLayerWeights;
import dev.secateur.model.EncoderWeights;
import dev.secateur.onnx.proto.AttributeProto;
import dev.secateur.onnx.proto.GraphProto;
import dev.secateur.onnx.proto.ModelProto;
import dev.secateur.onnx.proto.NodeProto;
import dev.secateur.onnx.proto.TensorProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a BERT-family encoder (BertModel, MiniLM, ...) out of an ONNX file exported by torch.onnx, into
 * {@link EncoderWeights}. Embeddings and LayerNorms keep their PyTorch names as initializers; the Linear
 * weights usually do not (torch.onnx stores them transposed, [in, out], as {@code onnx::MatMul_1234}), so each
 * linear layer is found from its bias initializer ({@code encoder.layer.0.attention.self.query.bias}) by
 * following the graph: bias → Add → the MatMul feeding it → that MatMul's weight initializer. Gemm (with
 * transB) and a Transpose in front of the weight are understood too. Anything else fails with the name of the
 * node or initializer that did not fit.
 */
public final class OnnxImporter {
    private static final Pattern LAYER = Pattern.compile("^(?:bert\\.)?encoder\\.layer\\.(\\d+)\\.");

    private final String source;
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Map<String, TensorProto> constants = new HashMap<>();
    private final Map<String, NodeProto> producer = new HashMap<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();
    private final GraphProto graph;

    private OnnxImporter(ModelProto model, String source) {
        this.source = source;
        this.graph = model.getGraph();
        for (TensorProto t : graph.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        for (NodeProto n : graph.getNodeList()) {
            for (String o : n.getOutputList()) {
                producer.put(o, n);
            }
            for (String i : n.getInputList()) {
                consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
            }
            if (n.getOpType().equals("Constant")) {
                for (AttributeProto a : n.getAttributeList()) {
                    if (a.getName().equals("value") && a.hasT()) {
                        constants.put(n.getOutput(0), a.getT());
                    }
                }
            }
        }
    }

    /** Reads the file with our generated protobuf classes (no size limit below 2 GB). */
    public static ModelProto readModel(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return readModel(in, file.toString());
        } catch (IOException e) {
            throw new OnnxImportException(file + ": cannot read as an ONNX model (" + e.getMessage() + ")", e);
        }
    }

    /** Reads a model from a stream (a classpath resource, say); the stream is not closed. */
    public static ModelProto readModel(InputStream in, String source) {
        try {
            CodedInputStream cis = CodedInputStream.newInstance(in);
            cis.setSizeLimit(Integer.MAX_VALUE);
            ModelProto m = ModelProto.parseFrom(cis);
            if (!m.hasGraph()) {
                throw new OnnxImportException(source + ": not an ONNX model (no graph)");
            }
            return m;
        } catch (IOException e) {
            throw new OnnxImportException(source + ": cannot read as an ONNX model (" + e.getMessage() + ")", e);
        }
    }

    /** Imports a BertModel-shaped encoder; the head count is read from the graph's Reshape nodes. */
    public static EncoderWeights importBert(Path file) {
        return importBert(readModel(file), file.toString(), null);
    }

    /**
     * @param heads the number of attention heads when the graph does not say (null: read it from the graph,
     *              and fail if it cannot be found)
     */
    public static EncoderWeights importBert(ModelProto model, String source, Integer heads) {
        return new OnnxImporter(model, source).bert(heads);
    }

    private EncoderWeights bert(Integer headsOverride) {
        String root = initializers.containsKey("embeddings.word_embeddings.weight") ? ""
                : initializers.containsKey("bert.embeddings.word_embeddings.weight") ? "bert." : null;
        if (root == null) {
            throw new OnnxImportException(source + ": no initializer 'embeddings.word_embeddings.weight' (nor 'bert.embeddings."
                    + "word_embeddings.weight'): not a BERT-family encoder exported with its parameter names (initializers: "
                    + sample(initializers.keySet()) + ")");
        }
        Tensor word = initializer(root + "embeddings.word_embeddings.weight", 2);
        int hidden = word.dim(1);
        Tensor pos = initializer(root + "embeddings.position_embeddings.weight", 2);
        Tensor type = initializer(root + "embeddings.token_type_embeddings.weight", 2);
        checkCols(root + "embeddings.position_embeddings.weight", pos, hidden);
        checkCols(root + "embeddings.token_type_embeddings.weight", type, hidden);
        Tensor embNorm = vector(root + "embeddings.LayerNorm.weight", hidden);
        Tensor embNormBias = vector(root + "embeddings.LayerNorm.bias", hidden);
        requireErfGelu();

        int numLayers = 0;
        for (String name : initializers.keySet()) {
            Matcher m = LAYER.matcher(name);
            if (m.find()) {
                numLayers = Math.max(numLayers, Integer.parseInt(m.group(1)) + 1);
            }
        }
        if (numLayers == 0) {
            throw new OnnxImportException(source + ": no initializer named '" + root + "encoder.layer.<i>.…': cannot find the encoder layers");
        }
        List<EncoderLayerWeights> layers = new ArrayList<>();
        int heads0 = -1;
        for (int i = 0; i < numLayers; i++) {
            String p = root + "encoder.layer." + i + ".";
            Linear q = linear(p + "attention.self.query", hidden, -1);
            int qRows = q.w.dim(0);
            Linear k = linear(p + "attention.self.key", hidden, qRows);
            Linear v = linear(p + "attention.self.value", hidden, qRows);
            Linear o = linear(p + "attention.output.dense", qRows, hidden);
            Linear up = linear(p + "intermediate.dense", hidden, -1);
            Linear down = linear(p + "output.dense", up.w.dim(0), hidden);
            if (i == 0) {
                Integer found = headsFromGraph(q);
                heads0 = headsOverride != null ? headsOverride : found != null ? found : -1;
                if (heads0 <= 0) {
                    throw new OnnxImportException(source + ": cannot find the number of attention heads: the output of node '"
                            + q.node + "' does not reach a Reshape with a constant head count; give the head count explicitly");
                }
                if (headsOverride != null && found != null && !found.equals(headsOverride)) {
                    throw new OnnxImportException(source + ": " + headsOverride + " attention heads were given but the graph's Reshape after '"
                            + q.node + "' splits " + found);
                }
                if (qRows % heads0 != 0) {
                    throw new OnnxImportException(source + ": layer 0 query has " + qRows + " outputs, not a multiple of " + heads0 + " heads");
                }
            }
            layers.add(new EncoderLayerWeights(q.w, q.b, k.w, k.b, v.w, v.b, o.w, o.b,
                    vector(p + "attention.output.LayerNorm.weight", hidden), vector(p + "attention.output.LayerNorm.bias", hidden),
                    up.w, up.b, down.w, down.b,
                    vector(p + "output.LayerNorm.weight", hidden), vector(p + "output.LayerNorm.bias", hidden)));
        }
        int headDim = layers.get(0).q().dim(0) / heads0;
        for (int i = 0; i < numLayers; i++) {
            if (layers.get(i).q().dim(0) % headDim != 0) {
                throw new OnnxImportException(source + ": layer " + i + " query has " + layers.get(i).q().dim(0)
                        + " outputs, not a multiple of the head size " + headDim);
            }
        }
        ObjectNode cfg = Json.mapper().createObjectNode();
        cfg.putArray("architectures").add("BertModel");
        cfg.put("model_type", "bert");
        cfg.put("hidden_size", hidden);
        cfg.put("num_hidden_layers", numLayers);
        cfg.put("num_attention_heads", hidden / headDim);
        cfg.put("intermediate_size", layers.get(0).ffnWidth());
        cfg.put("vocab_size", word.dim(0));
        cfg.put("max_position_embeddings", pos.dim(0));
        cfg.put("type_vocab_size", type.dim(0));
        cfg.put("layer_norm_eps", layerNormEps());
        cfg.put("hidden_act", "gelu");
        cfg.put("position_embedding_type", "absolute");
        cfg.put("pad_token_id", 0);
        cfg.put("secateur_imported_from", "onnx");
        ModelConfig config = ConfigReader.parse(cfg, source);
        if (config.headDim() != headDim) {
            throw new OnnxImportException(source + ": hidden size " + hidden + " is not a multiple of the head size " + headDim);
        }
        return new EncoderWeights(config, word, pos, type, embNorm, embNormBias, layers, null, null);
    }

    /** A linear layer in the canonical layout: w [out, in], b [out], and the node that applies it. */
    private record Linear(Tensor w, Tensor b, String node, String output) {
    }

    private Linear linear(String name, int in, int out) {
        String biasName = name + ".bias";
        Tensor b = initializer(biasName, 1);
        List<NodeProto> users = consumers.getOrDefault(biasName, List.of());
        if (users.size() != 1) {
            throw new OnnxImportException(source + ": initializer '" + biasName + "' is used by " + users.size()
                    + " nodes; expected exactly one Add (after a MatMul) or Gemm");
        }
        NodeProto user = users.get(0);
        Tensor w;
        String node;
        String output = user.getOutput(0);
        if (user.getOpType().equals("Gemm")) {
            if (user.getInputCount() < 3 || !user.getInput(2).equals(biasName)) {
                throw new OnnxImportException(source + ": node '" + nodeName(user) + "' (Gemm) takes '" + biasName + "' but not as its bias C");
            }
            if (intAttr(user, "transA", 0) != 0) {
                throw new OnnxImportException(source + ": node '" + nodeName(user) + "' (Gemm) has transA=1, which is not supported");
            }
            Tensor raw = weight(user, 1);
            w = intAttr(user, "transB", 0) == 1 ? raw : raw.transpose();
            node = nodeName(user);
        } else if (user.getOpType().equals("Add") && user.getInputCount() == 2) {
            String other = user.getInput(0).equals(biasName) ? user.getInput(1) : user.getInput(0);
            NodeProto mm = producer.get(other);
            if (mm == null || !mm.getOpType().equals("MatMul")) {
                throw new OnnxImportException(source + ": node '" + nodeName(user) + "' (Add) adds '" + biasName + "' to '" + other
                        + "', which is " + (mm == null ? "not produced by any node" : "produced by " + mm.getOpType() + " node '" + nodeName(mm) + "'")
                        + ", not by a MatMul with a weight initializer");
            }
            w = weight(mm, 1).transpose();
            node = nodeName(mm);
        } else {
            throw new OnnxImportException(source + ": initializer '" + biasName + "' is used by node '" + nodeName(user) + "' ("
                    + user.getOpType() + "); expected an Add after a MatMul, or a Gemm");
        }
        if (w.dim(1) != in || (out >= 0 && w.dim(0) != out) || w.dim(0) != b.dim(0)) {
            throw new OnnxImportException(source + ": the weight applied by node '" + node + "' for '" + name + "' is [out, in] = "
                    + Arrays.toString(w.shape()) + ", but its input has " + in + " features"
                    + (out >= 0 ? " and its output must have " + out : "") + " (bias '" + biasName + "' has " + b.dim(0) + ")");
        }
        return new Linear(w, b, node, output);
    }

    /** The weight input of a MatMul/Gemm: an initializer, possibly behind a 2-D Transpose. Returned as stored. */
    private Tensor weight(NodeProto n, int input) {
        String in = n.getInput(input);
        if (initializers.containsKey(in)) {
            return initializer(in, 2);
        }
        NodeProto t = producer.get(in);
        if (t != null && t.getOpType().equals("Transpose") && initializers.containsKey(t.getInput(0))) {
            List<Long> perm = intsAttr(t, "perm");
            if (perm.isEmpty() || perm.equals(List.of(1L, 0L))) {
                return initializer(t.getInput(0), 2).transpose();
            }
        }
        throw new OnnxImportException(source + ": node '" + nodeName(n) + "' (" + n.getOpType() + ") multiplies by '" + in
                + "', which is " + (t == null ? "not an initializer" : "the output of " + t.getOpType() + " node '" + nodeName(t) + "'")
                + "; expected a weight initializer (quantised or computed weights are not supported)");
    }

    /** Follows the query projection to the Reshape that splits heads: [batch, seq, heads, headDim]. */
    private Integer headsFromGraph(Linear q) {
        for (NodeProto n : consumers.getOrDefault(q.output, List.of())) {
            if (!n.getOpType().equals("Reshape") || n.getInputCount() < 2) {
                continue;
            }
            long[] shape = constantInts(n.getInput(1));
            if (shape == null || shape.length != 4) {
                continue;
            }
            if (shape[2] > 0) {
                return Math.toIntExact(shape[2]);
            }
            if (shape[3] > 0 && q.w.dim(0) % shape[3] == 0) {
                return Math.toIntExact(q.w.dim(0) / shape[3]);
            }
        }
        return null;
    }

    /** The values of a constant int tensor, or of a Concat of constants (entries not constant become -1). */
    private long[] constantInts(String name) {
        TensorProto t = initializers.containsKey(name) ? initializers.get(name) : constants.get(name);
        if (t != null) {
            return ints(t);
        }
        NodeProto n = producer.get(name);
        if (n != null && n.getOpType().equals("Concat")) {
            List<Long> out = new ArrayList<>();
            for (String in : n.getInputList()) {
                TensorProto c = initializers.containsKey(in) ? initializers.get(in) : constants.get(in);
                long[] v = c == null ? null : ints(c);
                if (v == null) {
                    out.add(-1L);
                } else {
                    for (long x : v) {
                        out.add(x);
                    }
                }
            }
            return out.stream().mapToLong(Long::longValue).toArray();
        }
        return null;
    }

    private static long[] ints(TensorProto t) {
        if (t.getDataType() == TensorProto.DataType.INT64_VALUE) {
            if (!t.getRawData().isEmpty()) {
                ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                long[] v = new long[b.remaining() / 8];
                b.asLongBuffer().get(v);
                return v;
            }
            return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
        }
        if (t.getDataType() == TensorProto.DataType.INT32_VALUE) {
            if (!t.getRawData().isEmpty()) {
                ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                int[] v = new int[b.remaining() / 4];
                b.asIntBuffer().get(v);
                return Arrays.stream(v).asLongStream().toArray();
            }
            return t.getInt32DataList().stream().mapToLong(Integer::longValue).toArray();
        }
        return null;
    }

    /** The LayerNorm epsilon: a LayerNormalization node's attribute, or the scalar added before the first Sqrt. */
    private double layerNormEps() {
        for (NodeProto n : graph.getNodeList()) {
            if (n.getOpType().equals("LayerNormalization")) {
                for (AttributeProto a : n.getAttributeList()) {
                    if (a.getName().equals("epsilon")) {
                        return Double.parseDouble(Float.toString(a.getF())); // 1e-12, not 9.99999996e-13
                    }
                }
                return 1e-5;
            }
            if (n.getOpType().equals("Sqrt")) {
                NodeProto add = producer.get(n.getInput(0));
                if (add != null && add.getOpType().equals("Add")) {
                    for (String in : add.getInputList()) {
                        TensorProto c = initializers.containsKey(in) ? initializers.get(in) : constants.get(in);
                        if (c != null && c.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
                            float[] v = floats(c, in);
                            if (v.length == 1) {
                                return Double.parseDouble(Float.toString(v[0])); // the float's shortest decimal
                            }
                        }
                    }
                }
            }
        }
        return 1e-12;
    }

    /** BERT's FFN uses the exact (erf) GELU; a graph with a tanh approximation would import silently wrong. */
    private void requireErfGelu() {
        for (NodeProto n : graph.getNodeList()) {
            if (n.getOpType().equals("Erf")) {
                return;
            }
            if (n.getOpType().equals("Gelu") || n.getOpType().equals("BiasGelu")) {
                for (AttributeProto a : n.getAttributeList()) {
                    if (a.getName().equals("approximate") && !a.getS().toStringUtf8().equals("none")) {
                        throw new OnnxImportException(source + ": node '" + nodeName(n) + "' is a tanh-approximated GELU; only exact (erf) GELU is supported");
                    }
                }
                return;
            }
        }
        throw new OnnxImportException(source + ": no Erf or Gelu node: the FFN activation is not the exact GELU that BertModel uses");
    }

    private Tensor initializer(String name, int rank) {
        TensorProto t = initializers.get(name);
        if (t == null) {
            throw new OnnxImportException(source + ": no initializer '" + name + "'");
        }
        int[] shape = t.getDimsList().stream().mapToInt(Long::intValue).toArray();
        if (shape.length != rank) {
            throw new OnnxImportException(source + ": initializer '" + name + "' has shape " + Arrays.toString(shape) + ", expected rank " + rank);
        }
        return new Tensor(shape, floats(t, name));
    }

    private Tensor vector(String name, int size) {
        Tensor t = initializer(name, 1);
        if (t.dim(0) != size) {
            throw new OnnxImportException(source + ": initializer '" + name + "' has " + t.dim(0) + " values, expected " + size);
        }
        return t;
    }

    private void checkCols(String name, Tensor t, int hidden) {
        if (t.dim(1) != hidden) {
            throw new OnnxImportException(source + ": initializer '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected [*, " + hidden + "] like the word embeddings");
        }
    }

    private float[] floats(TensorProto t, String name) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
            throw new OnnxImportException(source + ": initializer '" + name + "' is stored in an external data file, which is not supported");
        }
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
            float[] v;
            if (!t.getRawData().isEmpty()) {
                ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                v = new float[b.remaining() / 4];
                b.asFloatBuffer().get(v);
            } else {
                v = new float[t.getFloatDataCount()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = t.getFloatData(i);
                }
            }
            if (v.length != n) {
                throw new OnnxImportException(source + ": initializer '" + name + "' holds " + v.length + " floats but its shape "
                        + t.getDimsList() + " needs " + n);
            }
            return v;
        }
        throw new OnnxImportException(source + ": initializer '" + name + "' has ONNX data type "
                + TensorProto.DataType.forNumber(t.getDataType()) + "; only FLOAT weights are supported");
    }

    private static long intAttr(NodeProto n, String name, long dflt) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return dflt;
    }

    private static List<Long> intsAttr(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getIntsList();
            }
        }
        return List.of();
    }

    private static String nodeName(NodeProto n) {
        return n.getName().isEmpty() ? n.getOpType() + "→" + (n.getOutputCount() > 0 ? n.getOutput(0) : "?") : n.getName();
    }

    private static String sample(java.util.Collection<String> names) {
        List<String> l = names.stream().sorted().limit(8).toList();
        return l + (names.size() > 8 ? " and " + (names.size() - 8) + " more" : "");
    }
}
