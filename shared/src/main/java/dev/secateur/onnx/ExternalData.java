package dev.secateur.onnx;

import dev.secateur.checkpoint.DType;
import dev.secateur.onnx.GraphBuilder.ElemType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The {@code model.onnx.data} file of an export that streams: each weight's bytes are written the moment the
 * graph builder receives it, so the exporter can drop the weight and read the next block. Offsets are aligned to
 * 4 KiB as the onnx package's converter aligns them. The file is written under a temporary name and renamed into
 * place by {@link #commit}; {@link #abort} removes it.
 */
public final class ExternalData implements AutoCloseable {
    static final long ALIGN = 4096;
    private static final int CHUNK = 1 << 22;

    /** Where one initializer's bytes lie in the data file. */
    public record Location(String file, long offset, long length) {
    }

    private final Path file;
    private final Path tmp;
    private final FileChannel channel;
    private long offset;
    private boolean done;

    public ExternalData(Path file) {
        this.file = file;
        this.tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            this.channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new OnnxExportException(tmp + ": cannot create external data file (" + e + ")", e);
        }
    }

    public Path file() {
        return file;
    }

    Location append(ElemType type, float[] values) {
        try {
            long pad = (ALIGN - offset % ALIGN) % ALIGN;
            if (pad > 0) {
                writeFully(ByteBuffer.allocate((int) pad));
                offset += pad;
            }
            long start = offset;
            ByteBuffer buf = ByteBuffer.allocate(Math.min(values.length, CHUNK) * type.bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (int from = 0; from < values.length; from += CHUNK) {
                int to = Math.min(values.length, from + CHUNK);
                buf.clear();
                encode(type, values, from, to, buf);
                buf.flip();
                offset += buf.remaining();
                writeFully(buf);
            }
            return new Location(file.getFileName().toString(), start, offset - start);
        } catch (IOException e) {
            throw new OnnxExportException(tmp + ": cannot write external data (" + e + ")", e);
        }
    }

    static void encode(ElemType type, float[] values, int from, int to, ByteBuffer buf) {
        switch (type) {
            case FLOAT -> {
                buf.asFloatBuffer().put(values, from, to - from);
                buf.position(buf.position() + (to - from) * 4);
            }
            case FLOAT16 -> DType.F16.encode(values, from, to, buf);
            default -> throw new IllegalStateException("no float encoding for " + type);
        }
    }

    private void writeFully(ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    /** Forces the data to disk and renames it into place. */
    void commit() throws IOException {
        channel.force(true);
        channel.close();
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        done = true;
    }

    /** Removes the partial file unless it was committed. */
    @Override
    public void close() {
        if (done) {
            return;
        }
        try {
            channel.close();
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // the error that made the export fail is the one worth reporting
        }
    }
}
