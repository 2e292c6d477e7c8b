package dev.secateur.checkpoint;

import java.nio.ByteBuffer;

/** The safetensors element types Secateur reads; all are widened to float32. */
public enum DType {
    F32(4), F16(2), BF16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    public static DType parse(String name, String context) {
        try {
            return valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(context + ": unsupported dtype " + name + " (supported: F32, F16, BF16)");
        }
    }

    /** Reads {@code n} little-endian values starting at the buffer's position. */
    float[] decode(ByteBuffer buf, int n) {
        float[] out = new float[n];
        switch (this) {
            case F32 -> buf.asFloatBuffer().get(out);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Half.toFloat(buf.getShort(buf.position() + 2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((buf.getShort(buf.position() + 2 * i) & 0xffff) << 16);
                }
            }
        }
        return out;
    }

    /** Writes the values at the buffer's position, in the buffer's byte order. */
    public void encode(float[] values, ByteBuffer buf) {
        encode(values, 0, values.length, buf);
    }

    /** values[from, to) into buf, so that a large tensor can be encoded and written a piece at a time. */
    public void encode(float[] values, int from, int to, ByteBuffer buf) {
        switch (this) {
            case F32 -> {
                for (int i = from; i < to; i++) {
                    buf.putFloat(values[i]);
                }
            }
            case F16 -> {
                for (int i = from; i < to; i++) {
                    buf.putShort(Half.fromFloat(values[i]));
                }
            }
            case BF16 -> {
                for (int i = from; i < to; i++) {
                    buf.putShort(toBf16(values[i]));
                }
            }
        }
    }

    /** Round-to-nearest-even truncation of float32 to bfloat16, as torch does. */
    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) 0x7fc0;
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
