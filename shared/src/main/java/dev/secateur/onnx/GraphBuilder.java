package dev.secateur.onnx;

import dev.secateur.checkpoint.Tensor;
import dev.secateur.onnx.proto.AttributeProto;
import dev.secateur.onnx.proto.GraphProto;
import dev.secateur.onnx.proto.NodeProto;
import dev.secateur.onnx.proto.TensorShapeProto;
import dev.secateur.onnx.proto.TypeProto;
import dev.secateur.onnx.proto.ValueInfoProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small DSL for ONNX graphs: typed inputs and outputs with symbolic dimensions, initializers kept as
 * Java arrays until the model is written (so a multi-gigabyte model is encoded once, tensor by tensor),
 * and nodes built fluently:
 *
 * <pre>{@code
 * String y = g.node("Gemm").in(x, w, b).attr("transB", 1).out();
 * g.node("Concat").in(past, k).attr("axis", 2).outNamed("present.0.key");
 * }</pre>
 *
 * Node outputs get unique generated names unless named explicitly; {@link OnnxWriter} turns the
 * builder into a model file.
 */
public final class GraphBuilder {

    /** The ONNX element types this project uses, with their TensorProto.DataType codes. */
    public enum ElemType {
        FLOAT(1, 4), INT64(7, 8), BOOL(9, 1), FLOAT16(10, 2);

        final int code;
        final int bytes;

        ElemType(int code, int bytes) {
            this.code = code;
            this.bytes = bytes;
        }

        public int code() {
            return code;
        }
    }

    /** An initializer held as Java values; {@code floats} for FLOAT/FLOAT16, {@code longs} for INT64. */
    /** An initializer held as Java values ({@code floats} for FLOAT/FLOAT16, {@code longs} for INT64), or already written to external data. */
    record Initializer(String name, long[] dims, ElemType type, float[] floats, long[] longs, ExternalData.Location external) {
        long byteSize() {
            return external != null ? external.length() : (long) (floats != null ? floats.length : longs.length) * type.bytes;
        }
    }

    private final String name;
    private final List<NodeProto> nodes = new ArrayList<>();
    private final List<ValueInfoProto> inputs = new ArrayList<>();
    private final List<ValueInfoProto> outputs = new ArrayList<>();
    private final List<Initializer> initializers = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final Map<String, String> constantCache = new HashMap<>();
    private int counter;

    private final ExternalData external;

    public GraphBuilder(String name) {
        this(name, null);
    }

    /**
     * @param external where weights of at least {@link OnnxWriter#INLINE_BELOW} bytes are written as they arrive
     *     (the builder then keeps none of them), or null to hold every weight until {@link OnnxWriter} writes it
     */
    public GraphBuilder(String name, ExternalData external) {
        this.name = name;
        this.external = external;
    }

    ExternalData external() {
        return external;
    }

    public String name() {
        return name;
    }

    /** Declares a graph input; each dim is an Integer (fixed) or a String (symbolic, e.g. "batch"). */
    public String input(String inputName, ElemType type, Object... dims) {
        claim(inputName);
        inputs.add(valueInfo(inputName, type, dims));
        return inputName;
    }

    /** Declares a graph output; a node must produce a value of this name (see {@link NodeBuilder#outNamed}). */
    public void output(String outputName, ElemType type, Object... dims) {
        outputs.add(valueInfo(outputName, type, dims));
    }

    /** A weight initializer from a float32 tensor, stored as FLOAT (raw fp32) or FLOAT16 (converted on write). */
    public String initializer(String initName, Tensor t, ElemType type) {
        return initializer(initName, t.shape(), t.data(), type);
    }

    public String initializer(String initName, int[] shape, float[] data, ElemType type) {
        if (type != ElemType.FLOAT && type != ElemType.FLOAT16) {
            throw new IllegalArgumentException("float initializer '" + initName + "' must be FLOAT or FLOAT16, not " + type);
        }
        if (Tensor.numel(shape) != data.length) {
            throw new IllegalArgumentException("initializer '" + initName + "': shape " + Arrays.toString(shape)
                    + " needs " + Tensor.numel(shape) + " values, got " + data.length);
        }
        claim(initName);
        long[] dims = Arrays.stream(shape).asLongStream().toArray();
        if (external != null && (long) data.length * type.bytes >= OnnxWriter.INLINE_BELOW) {
            initializers.add(new Initializer(initName, dims, type, null, null, external.append(type, data)));
        } else {
            initializers.add(new Initializer(initName, dims, type, data, null, null));
        }
        return initName;
    }

    /** A 1-D int64 constant (shapes, axes, split sizes), deduplicated by value. */
    public String ints(long... values) {
        return constant("i64" + Arrays.toString(values), new long[] {values.length}, values);
    }

    /** A 0-D int64 constant. */
    public String scalarInt(long value) {
        return constant("i64s" + value, new long[0], new long[] {value});
    }

    /** A 0-D float constant of the given type, deduplicated by value and type. */
    public String scalar(float value, ElemType type) {
        String key = "f" + type + Float.floatToRawIntBits(value);
        String existing = constantCache.get(key);
        if (existing != null) {
            return existing;
        }
        String n = fresh("const");
        claim(n);
        initializers.add(new Initializer(n, new long[0], type, new float[] {value}, null, null));
        constantCache.put(key, n);
        return n;
    }

    private String constant(String key, long[] dims, long[] values) {
        String existing = constantCache.get(key);
        if (existing != null) {
            return existing;
        }
        String n = fresh("const");
        claim(n);
        initializers.add(new Initializer(n, dims, ElemType.INT64, null, values.clone(), null));
        constantCache.put(key, n);
        return n;
    }

    /** Starts a node of the default ONNX domain. */
    public NodeBuilder node(String opType) {
        return new NodeBuilder(opType);
    }

    /** The total size of all initializers in bytes as they will be stored. */
    public long initializerBytes() {
        long n = 0;
        for (Initializer i : initializers) {
            n += i.byteSize();
        }
        return n;
    }

    List<Initializer> initializers() {
        return Collections.unmodifiableList(initializers);
    }

    /** The graph without initializers; {@link OnnxWriter} adds them (inline or external). */
    GraphProto.Builder graphWithoutInitializers() {
        return GraphProto.newBuilder().setName(name).addAllNode(nodes).addAllInput(inputs).addAllOutput(outputs);
    }

    public int nodeCount() {
        return nodes.size();
    }

    private String fresh(String prefix) {
        String n;
        do {
            n = prefix + "_" + counter++;
        } while (names.contains(n));
        return n;
    }

    private void claim(String n) {
        if (!names.add(n)) {
            throw new IllegalArgumentException("value name '" + n + "' is already used in graph " + name);
        }
    }

    private static ValueInfoProto valueInfo(String n, ElemType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            if (d instanceof Integer i) {
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(i));
            } else if (d instanceof Long l) {
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(l));
            } else if (d instanceof String s) {
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(s));
            } else {
                throw new IllegalArgumentException("dimension of '" + n + "' must be an Integer or a String, got " + d);
            }
        }
        return ValueInfoProto.newBuilder().setName(n)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.code).setShape(shape)))
                .build();
    }

    /** One node under construction: inputs, attributes, then {@code out()} / {@code outs(n)} / {@code outNamed(...)}. */
    public final class NodeBuilder {
        private final NodeProto.Builder node;

        private NodeBuilder(String opType) {
            node = NodeProto.newBuilder().setOpType(opType);
        }

        /** Inputs in order; an empty string or null marks an omitted optional input. */
        public NodeBuilder in(String... names) {
            for (String n : names) {
                node.addInput(n == null ? "" : n);
            }
            return this;
        }

        public NodeBuilder attr(String attrName, long value) {
            node.addAttribute(AttributeProto.newBuilder().setName(attrName).setType(AttributeProto.AttributeType.INT).setI(value));
            return this;
        }

        public NodeBuilder attr(String attrName, float value) {
            node.addAttribute(AttributeProto.newBuilder().setName(attrName).setType(AttributeProto.AttributeType.FLOAT).setF(value));
            return this;
        }

        public NodeBuilder attr(String attrName, String value) {
            node.addAttribute(AttributeProto.newBuilder().setName(attrName).setType(AttributeProto.AttributeType.STRING)
                    .setS(com.google.protobuf.ByteString.copyFromUtf8(value)));
            return this;
        }

        public NodeBuilder attr(String attrName, long[] values) {
            AttributeProto.Builder a = AttributeProto.newBuilder().setName(attrName).setType(AttributeProto.AttributeType.INTS);
            for (long v : values) {
                a.addInts(v);
            }
            node.addAttribute(a);
            return this;
        }

        /** Adds the node with one generated output name and returns it. */
        public String out() {
            return outs(1)[0];
        }

        /** Adds the node with {@code n} generated output names. */
        public String[] outs(int n) {
            String[] outNames = new String[n];
            String base = node.getOpType().toLowerCase(java.util.Locale.ROOT);
            for (int i = 0; i < n; i++) {
                outNames[i] = fresh(base);
            }
            outNamed(outNames);
            return outNames;
        }

        /** Adds the node with the given output names (graph outputs, for example). */
        public String outNamed(String... outNames) {
            for (String n : outNames) {
                claim(n);
                node.addOutput(n);
            }
            node.setName(node.getOpType() + "_" + nodes.size());
            nodes.add(node.build());
            return outNames[0];
        }
    }
}
