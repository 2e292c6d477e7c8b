package dev.secateur.runtime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Several sequences' key/value caches side by side, so one session run decodes a token for each of them: decoding
 * reads every weight once per run whatever the batch, which is where batching gains on a memory-bound step.
 *
 * <p>Rows are right-aligned: a row of length n holds its cache in the last n of {@link #width()} positions, the
 * positions before it are masked out (attention_mask 0) and its position ids continue from n, so each row sees
 * exactly what it would see alone. Rows change only in {@link #regroup}, which copies the caches it keeps once;
 * steps feed the previous run's outputs back without copying. Not thread-safe: one scheduler owns it.
 */
public final class DecodeBatch implements AutoCloseable {

    private final OrtDecoder decoder;
    private OrtDecoder.PastCache past;
    private int[] lengths = new int[0];
    private int width;

    DecodeBatch(OrtDecoder decoder) {
        this.decoder = decoder;
    }

    public int rows() {
        return lengths.length;
    }

    /** Tokens in row {@code row}'s cache. */
    public int length(int row) {
        return lengths[row];
    }

    /** Cache positions every row is padded to: the longest row. */
    public int width() {
        return width;
    }

    /**
     * The new batch: rows {@code keep} of this one (in that order), then each of {@code joining}, whose prefilled
     * cache moves here (the generator is left empty). Copies only when rows are dropped, reordered or merged.
     */
    public void regroup(int[] keep, List<Generator> joining) {
        boolean unchanged = joining.isEmpty() && keep.length == lengths.length && isIdentity(keep);
        if (unchanged) {
            return;
        }
        for (Generator g : joining) {
            if (g.length() == 0) {
                throw new IllegalArgumentException("a joining sequence must be prefilled first");
            }
        }
        int rows = keep.length + joining.size();
        int[] newLengths = new int[rows];
        for (int i = 0; i < keep.length; i++) {
            newLengths[i] = lengths[keep[i]];
        }
        for (int j = 0; j < joining.size(); j++) {
            newLengths[keep.length + j] = joining.get(j).length();
        }
        int newWidth = Arrays.stream(newLengths).max().orElse(0);
        if (keep.length == 0 && joining.size() == 1) {
            // One sequence alone: its own cache is already the batch, no copy.
            close();
            past = joining.get(0).detach();
        } else if (rows == 0) {
            close();
        } else {
            List<OrtDecoder.Step> donors = new ArrayList<>();
            for (Generator g : joining) {
                donors.add(g.detach());
            }
            try {
                Packed packed = pack(keep, donors, newLengths, newWidth);
                close();
                past = packed;
            } finally {
                for (OrtDecoder.Step d : donors) {
                    d.close();
                }
            }
        }
        lengths = newLengths;
        width = newWidth;
    }

    /**
     * Appends one token to every row and returns the logits [rows][vocab] predicting each row's next token.
     * Rows whose sequence has ended may be fed anything in the vocabulary until the next regroup drops them.
     */
    public float[][] step(long[] tokens) {
        int b = lengths.length;
        if (b == 0 || tokens.length != b) {
            throw new IllegalArgumentException("one token per row: " + b + " rows, " + tokens.length + " tokens");
        }
        int total = width + 1;
        long[] mask = new long[b * total];
        long[] pos = new long[b];
        for (int r = 0; r < b; r++) {
            Arrays.fill(mask, r * total + width - lengths[r], (r + 1) * total, 1);
            pos[r] = lengths[r];
        }
        OrtDecoder.Step next = decoder.run(b, 1, tokens, mask, pos, past, width);
        float[][] out = new float[b][decoder.vocabSize()];
        try {
            FloatBuffer fb = next.logits();
            for (int r = 0; r < b; r++) {
                fb.get(out[r]);
            }
        } catch (RuntimeException e) {
            next.close();
            throw e;
        }
        past.close();
        past = next;
        width++;
        for (int r = 0; r < b; r++) {
            lengths[r]++;
        }
        return out;
    }

    private static boolean isIdentity(int[] keep) {
        for (int i = 0; i < keep.length; i++) {
            if (keep[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** Copies the kept rows and the donors' single rows, right-aligned, into fresh direct buffers per layer. */
    private Packed pack(int[] keep, List<OrtDecoder.Step> donors, int[] newLengths, int newWidth) {
        int layers = decoder.numLayers();
        int hd = decoder.headDim();
        int elem = decoder.halfCache() ? 2 : 4;
        OnnxTensor[] keys = new OnnxTensor[layers];
        OnnxTensor[] values = new OnnxTensor[layers];
        Packed packed = new Packed(keys, values);
        try {
            for (int layer = 0; layer < layers; layer++) {
                int heads = decoder.kvHeads(layer);
                for (int kind = 0; kind < 2; kind++) {
                    boolean key = kind == 0;
                    ByteBuffer dst = ByteBuffer.allocateDirect(newLengths.length * heads * newWidth * hd * elem)
                            .order(ByteOrder.nativeOrder());
                    if (keep.length > 0) {
                        ByteBuffer src = bytes(key ? past.key(layer) : past.value(layer));
                        for (int i = 0; i < keep.length; i++) {
                            copyRow(src, keep[i], width, dst, i, newWidth, lengths[keep[i]], heads, hd * elem);
                        }
                    }
                    for (int j = 0; j < donors.size(); j++) {
                        OrtDecoder.Step d = donors.get(j);
                        ByteBuffer src = bytes(key ? d.key(layer) : d.value(layer));
                        int len = newLengths[keep.length + j];
                        copyRow(src, 0, len, dst, keep.length + j, newWidth, len, heads, hd * elem);
                    }
                    long[] shape = {newLengths.length, heads, newWidth, hd};
                    OnnxTensor t = OnnxTensor.createTensor(decoder.env(), dst, shape,
                            decoder.halfCache() ? OnnxJavaType.FLOAT16 : OnnxJavaType.FLOAT);
                    if (key) {
                        keys[layer] = t;
                    } else {
                        values[layer] = t;
                    }
                }
            }
            return packed;
        } catch (OrtException e) {
            packed.close();
            throw new InferenceException("cannot build the batch's key/value cache: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            packed.close();
            throw e;
        }
    }

    private static ByteBuffer bytes(OnnxTensor t) {
        return t.getByteBuffer().order(ByteOrder.nativeOrder());
    }

    /** Row {@code from} of a [rows, heads, srcWidth, hd] buffer: its last {@code len} positions, right-aligned. */
    private static void copyRow(ByteBuffer src, int from, int srcWidth, ByteBuffer dst, int to, int dstWidth, int len,
                                int heads, int rowBytes) {
        for (int h = 0; h < heads; h++) {
            int s = ((from * heads + h) * srcWidth + srcWidth - len) * rowBytes;
            int d = ((to * heads + h) * dstWidth + dstWidth - len) * rowBytes;
            dst.put(d, src, s, len * rowBytes);
        }
    }

    @Override
    public void close() {
        if (past != null) {
            past.close();
            past = null;
        }
    }

    /** Caches built by {@link #pack}: tensors over direct buffers that this batch owns. */
    private record Packed(OnnxTensor[] keys, OnnxTensor[] values) implements OrtDecoder.PastCache {
        @Override
        public OnnxTensor key(int layer) {
            return keys[layer];
        }

        @Override
        public OnnxTensor value(int layer) {
            return values[layer];
        }

        @Override
        public void close() {
            for (OnnxTensor t : keys) {
                if (t != null) {
                    t.close();
                }
            }
            for (OnnxTensor t : values) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }
}
