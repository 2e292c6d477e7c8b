package dev.secateur.checkpoint;

import dev.secateur.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads one .safetensors file: an 8-byte little-endian header length, a JSON header, then raw data.
 * Tensors are memory-mapped one at a time, so a file larger than the heap can still be read, and every
 * offset in the header is checked against the file before anything is mapped.
 */
public final class SafetensorsReader implements AutoCloseable {
    private static final long MAX_HEADER = 100L << 20;
    private static final ObjectMapper JSON = Json.mapper();

    /** One header entry; offsets are relative to the start of the data section. */
    public record Entry(String name, DType dtype, int[] shape, long begin, long end) {
    }

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsReader(Path file, FileChannel channel, long dataStart, Map<String, Entry> entries, Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    public static SafetensorsReader open(Path file) {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot open safetensors file (" + e.getMessage() + ")", e);
        }
        try {
            return parse(file, ch);
        } catch (RuntimeException | IOException e) {
            closeQuietly(ch);
            if (e instanceof CheckpointException ce) {
                throw ce;
            }
            throw new CheckpointException(file + ": unreadable safetensors header (" + e.getMessage() + ")", e);
        }
    }

    private static SafetensorsReader parse(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new CheckpointException(file + ": truncated safetensors file (" + size + " bytes, no header length)");
        }
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, len, 0);
        long headerLen = len.flip().getLong();
        if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
            throw new CheckpointException(file + ": truncated safetensors file (header claims " + headerLen
                    + " bytes, file has " + (size - 8) + " after the length)");
        }
        ByteBuffer header = ByteBuffer.allocate((int) headerLen);
        readFully(ch, header, 8);
        JsonNode root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
        if (root == null || !root.isObject()) {
            throw new CheckpointException(file + ": safetensors header is not a JSON object");
        }
        long dataStart = 8 + headerLen;
        long dataSize = size - dataStart;
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals("__metadata__")) {
                f.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            if (isBuffer(f.getKey()) && !isFloat(f.getValue().path("dtype").asText())) {
                // a causal-mask buffer older exports saved (GPT-NeoX's attention.bias is BOOL): not a weight, not read
                continue;
            }
            entries.put(f.getKey(), entry(file, f.getKey(), f.getValue(), dataSize));
        }
        return new SafetensorsReader(file, ch, dataStart, Collections.unmodifiableMap(entries), metadata);
    }

    /**
     * Whether a tensor is a buffer older transformers saved beside the weights (GPT-2's and GPT-NeoX's causal masks and
     * masked_bias, rotary inv_freq): never a parameter, never read.
     */
    public static boolean isBuffer(String name) {
        return name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias") || name.endsWith(".attention.bias")
                || name.endsWith(".attention.masked_bias") || name.endsWith(".rotary_emb.inv_freq");
    }

    private static boolean isFloat(String dtype) {
        return dtype.equals("F32") || dtype.equals("F16") || dtype.equals("BF16");
    }

    private static Entry entry(Path file, String name, JsonNode node, long dataSize) {
        String where = file + ": tensor '" + name + "'";
        JsonNode shapeNode = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (node.get("dtype") == null || shapeNode == null || offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new CheckpointException(where + ": header entry needs dtype, shape and data_offsets [begin, end]");
        }
        DType dtype = DType.parse(node.get("dtype").asText(), where);
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            long d = shapeNode.get(i).asLong(-1);
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new CheckpointException(where + ": invalid dimension " + shapeNode.get(i));
            }
            shape[i] = (int) d;
        }
        long begin = offsets.get(0).asLong(-1), end = offsets.get(1).asLong(-1);
        if (begin < 0 || end < begin || end > dataSize) {
            throw new CheckpointException(where + ": data offsets [" + begin + ", " + end
                    + "] out of bounds (data section is " + dataSize + " bytes; file truncated?)");
        }
        long expected = Tensor.numel(shape) * dtype.bytes();
        if (end - begin != expected) {
            throw new CheckpointException(where + ": " + (end - begin) + " bytes for shape "
                    + java.util.Arrays.toString(shape) + " " + dtype + " (expected " + expected + ")");
        }
        if (Tensor.numel(shape) > Integer.MAX_VALUE - 8) {
            throw new CheckpointException(where + ": too large for one float array");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    public Path file() {
        return file;
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** Reads a tensor, widened to float32. */
    public Tensor read(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new CheckpointException(file + ": no tensor named '" + name + "'");
        }
        try {
            ByteBuffer buf = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.end() - e.begin())
                    .order(ByteOrder.LITTLE_ENDIAN);
            return new Tensor(e.shape().clone(), e.dtype().decode(buf, (int) Tensor.numel(e.shape())));
        } catch (IOException ex) {
            throw new CheckpointException(file + ": cannot read tensor '" + name + "' (" + ex.getMessage() + ")", ex);
        }
    }

    /**
     * Rows {@code rows} (indices along the first dimension, any order, repeats allowed) of a tensor, widened to float32,
     * without reading the rest: an embedding lookup of a few thousand tokens reads a few thousand rows of the table.
     */
    public Tensor readRows(String name, int[] rows) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new CheckpointException(file + ": no tensor named '" + name + "'");
        }
        int[] shape = e.shape();
        int rowElems = Math.toIntExact(Tensor.numel(shape) / Math.max(1, shape[0]));
        long rowBytes = (long) rowElems * e.dtype().bytes();
        float[] out = new float[Math.multiplyExact(rows.length, rowElems)];
        try {
            ByteBuffer buf = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.end() - e.begin())
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < rows.length; i++) {
                if (rows[i] < 0 || rows[i] >= shape[0]) {
                    throw new CheckpointException(file + ": tensor '" + name + "' has " + shape[0] + " rows, asked for row " + rows[i]);
                }
                ByteBuffer row = buf.slice(Math.toIntExact(rows[i] * rowBytes), Math.toIntExact(rowBytes)).order(ByteOrder.LITTLE_ENDIAN);
                System.arraycopy(e.dtype().decode(row, rowElems), 0, out, i * rowElems, rowElems);
            }
        } catch (IOException ex) {
            throw new CheckpointException(file + ": cannot read tensor '" + name + "' (" + ex.getMessage() + ")", ex);
        }
        int[] s = shape.clone();
        s[0] = rows.length;
        return new Tensor(s, out);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new CheckpointException("unexpected end of file");
            }
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing useful to do: the open already failed
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }
}
