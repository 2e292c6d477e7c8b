package dev.secateur.checkpoint;

import dev.secateur.json.Json;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/** Writes a .safetensors file atomically (temp file, fsync, rename), tensors in the map's order. */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = Json.mapper();

    /** Values encoded and written per piece (16 MB in float32). */
    static final int PIECE_VALUES = 1 << 22;

    private SafetensorsWriter() {
    }

    public static void write(Path file, Map<String, Tensor> tensors, DType dtype, Map<String, String> metadata) {
        Map<String, int[]> shapes = new java.util.LinkedHashMap<>();
        tensors.forEach((k, v) -> shapes.put(k, v.shape()));
        write(file, shapes, dtype, metadata, name -> tensors.get(name).data());
    }

    /**
     * Writes tensors whose values are produced one at a time: the header comes from the shapes, then each tensor's
     * values are asked for, encoded and written before the next is asked for, so a file of any size is written
     * holding one tensor.
     */
    public static void write(Path file, Map<String, int[]> shapes, DType dtype, Map<String, String> metadata,
            java.util.function.Function<String, float[]> values) {
        ObjectNode header = JSON.createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        meta.put("format", "pt");
        metadata.forEach(meta::put);
        long offset = 0;
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            ObjectNode n = header.putObject(e.getKey());
            n.put("dtype", dtype.name());
            var shape = n.putArray("shape");
            for (int d : e.getValue()) {
                shape.add(d);
            }
            long size = Tensor.numel(e.getValue()) * dtype.bytes();
            n.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(json);
            while (head.hasRemaining()) {
                head.put((byte) ' ');
            }
            writeFully(ch, head.flip());
            // One piece at a time through a buffer of its own: a channel copies a heap buffer into a temporary direct
            // one of the same size, and a 256k-vocabulary embedding (1.2 GB in bf16) would pass the direct-memory cap
            ByteBuffer piece = ByteBuffer.allocate(PIECE_VALUES * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            for (Map.Entry<String, int[]> e : shapes.entrySet()) {
                float[] v = values.apply(e.getKey());
                if (v.length != Tensor.numel(e.getValue())) {
                    throw new IllegalArgumentException("tensor '" + e.getKey() + "': " + v.length + " values for shape "
                            + java.util.Arrays.toString(e.getValue()));
                }
                for (int from = 0; from < v.length; from += PIECE_VALUES) {
                    piece.clear();
                    dtype.encode(v, from, Math.min(v.length, from + PIECE_VALUES), piece);
                    writeFully(ch, piece.flip());
                }
            }
            ch.force(true);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the write error is the one worth reporting
            }
            throw new CheckpointException(file + ": cannot write safetensors (" + e.getMessage() + ")", e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot rename " + tmp + " into place (" + e.getMessage() + ")", e);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
