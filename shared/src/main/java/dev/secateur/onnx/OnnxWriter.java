package dev.secateur.onnx;

import com.google.protobuf.ByteString;
import dev.secateur.checkpoint.DType;
import dev.secateur.onnx.GraphBuilder.ElemType;
import dev.secateur.onnx.GraphBuilder.Initializer;
import dev.secateur.onnx.proto.GraphProto;
import dev.secateur.onnx.proto.ModelProto;
import dev.secateur.onnx.proto.OperatorSetIdProto;
import dev.secateur.onnx.proto.StringStringEntryProto;
import dev.secateur.onnx.proto.TensorProto;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link GraphBuilder} as an ONNX model file (IR version 8, opset 17), atomically: every file is
 * written under a temporary name, forced to disk, then renamed into place, the model file last.
 *
 * <p>Protobuf messages cannot exceed 2 GB, so when the initializers pass {@code externalThreshold} bytes the
 * large ones (≥ 1 KiB) go to {@code <model file>.data} beside the model (offsets aligned to 4 KiB, as the onnx
 * package's external-data converter does) and the model refers to them through {@code external_data}.
 */
public final class OnnxWriter {
    public static final long IR_VERSION = 8;
    public static final long OPSET = 17;
    /** ~1.8 GB: below the protobuf 2 GB message limit with room for the graph itself. */
    public static final long DEFAULT_EXTERNAL_THRESHOLD = 1_800_000_000L;
    static final long INLINE_BELOW = 1024;
    static final long ALIGN = ExternalData.ALIGN;
    private static final int CHUNK = 1 << 22;

    private OnnxWriter() {
    }

    /** Writes the model; returns the files written (the model file first, then its external data file if any). */
    public static List<Path> write(GraphBuilder g, Map<String, String> metadata, Path modelFile, long externalThreshold) {
        if (g.external() != null) {
            return writeStreamed(g, metadata, modelFile);
        }
        boolean external = g.initializerBytes() > externalThreshold;
        Path dataFile = modelFile.resolveSibling(modelFile.getFileName() + ".data");
        Path dataTmp = dataFile.resolveSibling(dataFile.getFileName() + ".tmp");
        Path modelTmp = modelFile.resolveSibling(modelFile.getFileName() + ".tmp");
        GraphProto.Builder graph = g.graphWithoutInitializers();
        try {
            if (external) {
                try (FileChannel ch = FileChannel.open(dataTmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)) {
                    long offset = 0;
                    for (Initializer init : g.initializers()) {
                        if (init.byteSize() < INLINE_BELOW) {
                            graph.addInitializer(inline(init));
                            continue;
                        }
                        long pad = (ALIGN - offset % ALIGN) % ALIGN;
                        if (pad > 0) {
                            writeFully(ch, ByteBuffer.allocate((int) pad));
                            offset += pad;
                        }
                        long length = writeData(init, ch);
                        graph.addInitializer(externalHeader(init, new ExternalData.Location(dataFile.getFileName().toString(), offset, length)));
                        offset += length;
                    }
                    ch.force(true);
                }
            } else {
                for (Initializer init : g.initializers()) {
                    graph.addInitializer(inline(init));
                }
            }
            writeModel(graph, metadata, modelTmp);
            List<Path> written = new ArrayList<>();
            written.add(modelFile);
            if (external) {
                Files.move(dataTmp, dataFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                written.add(dataFile);
            }
            Files.move(modelTmp, modelFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            if (!external) {
                Files.deleteIfExists(dataFile); // a stale data file from an earlier, larger export
            }
            return written;
        } catch (IOException e) {
            deleteQuietly(modelTmp, dataTmp);
            throw new OnnxExportException(modelFile + ": cannot write ONNX model (" + e + ")", e);
        }
    }

    /** A graph whose weights already went to its {@link ExternalData} as it was built: only the proto is left to write. */
    private static List<Path> writeStreamed(GraphBuilder g, Map<String, String> metadata, Path modelFile) {
        ExternalData data = g.external();
        Path modelTmp = modelFile.resolveSibling(modelFile.getFileName() + ".tmp");
        GraphProto.Builder graph = g.graphWithoutInitializers();
        for (Initializer init : g.initializers()) {
            graph.addInitializer(init.external() != null ? externalHeader(init, init.external()) : inline(init));
        }
        try {
            writeModel(graph, metadata, modelTmp);
            data.commit();
            Files.move(modelTmp, modelFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return List.of(modelFile, data.file());
        } catch (IOException e) {
            deleteQuietly(modelTmp);
            throw new OnnxExportException(modelFile + ": cannot write ONNX model (" + e + ")", e);
        } finally {
            data.close();
        }
    }

    private static void writeModel(GraphProto.Builder graph, Map<String, String> metadata, Path modelTmp) throws IOException {
        ModelProto.Builder model = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("secateur")
                .setProducerVersion(producerVersion())
                .setGraph(graph);
        metadata.forEach((k, v) -> model.addMetadataProps(entry(k, v)));
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(modelTmp), 1 << 20)) {
            model.build().writeTo(out);
        }
        try (FileChannel ch = FileChannel.open(modelTmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    private static TensorProto externalHeader(Initializer init, ExternalData.Location at) {
        return header(init).setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", at.file()))
                .addExternalData(entry("offset", Long.toString(at.offset())))
                .addExternalData(entry("length", Long.toString(at.length()))).build();
    }

    private static void deleteQuietly(Path... files) {
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // the original error is the one worth reporting
            }
        }
    }

    private static String producerVersion() {
        String v = OnnxWriter.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static StringStringEntryProto entry(String k, String v) {
        return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    private static TensorProto.Builder header(Initializer init) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(init.name()).setDataType(init.type().code);
        for (long d : init.dims()) {
            t.addDims(d);
        }
        return t;
    }

    private static TensorProto inline(Initializer init) {
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(init.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
        encode(init, 0, count(init), buf);
        return header(init).setRawData(ByteString.copyFrom(buf.flip())).build();
    }

    private static long writeData(Initializer init, FileChannel ch) throws IOException {
        int n = count(init);
        long written = 0;
        ByteBuffer buf = ByteBuffer.allocate(Math.min(n, CHUNK) * init.type().bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < n; from += CHUNK) {
            int to = Math.min(n, from + CHUNK);
            buf.clear();
            encode(init, from, to, buf);
            buf.flip();
            written += buf.remaining();
            writeFully(ch, buf);
        }
        return written;
    }

    private static int count(Initializer init) {
        return init.floats() != null ? init.floats().length : init.longs().length;
    }

    private static void encode(Initializer init, int from, int to, ByteBuffer buf) {
        if (init.type() == ElemType.INT64) {
            buf.asLongBuffer().put(init.longs(), from, to - from);
            buf.position(buf.position() + (to - from) * 8);
        } else {
            ExternalData.encode(init.type(), init.floats(), from, to, buf);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
