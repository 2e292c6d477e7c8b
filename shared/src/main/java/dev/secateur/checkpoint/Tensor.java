package dev.secateur.checkpoint;

import java.util.Arrays;

/**
 * A dense float32 tensor in row-major order. Every weight is widened to float32 on read so that the
 * rest of the system never sees F16/BF16 (BF16 aborts the JVM inside DJL 0.36).
 */
public record Tensor(int[] shape, float[] data) {

    public Tensor {
        long n = numel(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
        }
    }

    public static Tensor zeros(int... shape) {
        return new Tensor(shape.clone(), new float[Math.toIntExact(numel(shape))]);
    }

    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    public int numel() {
        return data.length;
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    /** The transpose of a matrix. */
    public Tensor transpose() {
        requireRank(2);
        int r = shape[0], c = shape[1];
        float[] out = new float[data.length];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                out[j * r + i] = data[i * c + j];
            }
        }
        return new Tensor(new int[] {c, r}, out);
    }

    /** Keeps the given rows (first dimension), in the given order. */
    public Tensor selectRows(int[] rows) {
        int rowSize = data.length / shape[0];
        float[] out = new float[rows.length * rowSize];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(data, rows[i] * rowSize, out, i * rowSize, rowSize);
        }
        int[] s = shape.clone();
        s[0] = rows.length;
        return new Tensor(s, out);
    }

    /** Keeps the given columns of a matrix, in the given order. */
    public Tensor selectColumns(int[] cols) {
        requireRank(2);
        int r = shape[0], c = shape[1];
        float[] out = new float[r * cols.length];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < cols.length; j++) {
                out[i * cols.length + j] = data[i * c + cols[j]];
            }
        }
        return new Tensor(new int[] {r, cols.length}, out);
    }

    /** Rows [from, to) of the first dimension. */
    public Tensor sliceRows(int from, int to) {
        int rowSize = data.length / shape[0];
        int[] s = shape.clone();
        s[0] = to - from;
        return new Tensor(s, Arrays.copyOfRange(data, from * rowSize, to * rowSize));
    }

    public static Tensor concatRows(Tensor... parts) {
        int rows = 0, total = 0;
        for (Tensor t : parts) {
            rows += t.shape[0];
            total += t.data.length;
        }
        float[] out = new float[total];
        int off = 0;
        for (Tensor t : parts) {
            System.arraycopy(t.data, 0, out, off, t.data.length);
            off += t.data.length;
        }
        int[] s = parts[0].shape.clone();
        s[0] = rows;
        return new Tensor(s, out);
    }

    public Tensor copy() {
        return new Tensor(shape.clone(), data.clone());
    }

    private void requireRank(int r) {
        if (shape.length != r) {
            throw new IllegalStateException("expected rank " + r + ", got shape " + Arrays.toString(shape));
        }
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }
}
