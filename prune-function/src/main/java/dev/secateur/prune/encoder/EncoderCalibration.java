package dev.secateur.prune.encoder;

import ai.djl.ndarray.NDArray;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.EncoderWeights;
import dev.secateur.prune.calibration.LayerActivations;
import dev.secateur.prune.model.CaptureSite;
import dev.secateur.prune.model.EncoderModel;
import dev.secateur.prune.model.ForwardCapture;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Calibration activations of a BERT-family encoder, from the dense model in one pass: each calibration
 * sentence is run alone (no padding, so only real tokens are seen), every site's rows are gathered per layer,
 * and one seeded token subsample is applied to all matrices of a layer so their rows stay aligned.
 */
public final class EncoderCalibration {
    private EncoderCalibration() {
    }

    /**
     * @param sequences token ids with special tokens, one sentence each
     * @param maxTokens keep at most this many tokens (seeded subsample), ≤ 0 for all
     * @param sites which activations to keep (FFN_INTERMEDIATE, ATTENTION_HEADS, FFN_INPUT, BLOCK_INPUT, BLOCK_OUTPUT)
     */
    public static List<LayerActivations> collect(EncoderModel model, List<long[]> sequences, int maxTokens, long seed, Set<CaptureSite> sites) {
        int layers = model.numLayers();
        EncoderWeights w = model.weights();
        List<List<float[]>> rows = new ArrayList<>();
        int[][] widths = new int[layers][CaptureSite.values().length];
        for (int i = 0; i < layers * CaptureSite.values().length; i++) {
            rows.add(new ArrayList<>());
        }
        ForwardCapture capture = new ForwardCapture() {
            @Override
            public boolean wants(CaptureSite site, int layer) {
                return sites.contains(site);
            }

            @Override
            public void record(CaptureSite site, int layer, NDArray value) {
                long[] s = value.getShape().getShape();
                int width = 1;
                for (int d = 2; d < s.length; d++) {
                    width *= (int) s[d];
                }
                widths[layer][site.ordinal()] = width;
                rows.get(layer * CaptureSite.values().length + site.ordinal()).add(value.toFloatArray());
            }
        };
        model.calibrate(sequences, capture);
        int total = sequences.stream().mapToInt(s -> s.length).sum();
        int[] keep = subsample(total, maxTokens, seed);
        List<LayerActivations> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            Tensor[] bySite = new Tensor[CaptureSite.values().length];
            for (CaptureSite site : sites) {
                List<float[]> chunks = rows.get(l * CaptureSite.values().length + site.ordinal());
                if (chunks.isEmpty()) {
                    continue; // e.g. a layer with no heads left has no ATTENTION_HEADS
                }
                bySite[site.ordinal()] = gather(chunks, widths[l][site.ordinal()], total, keep);
            }
            int heads = w.layers().get(l).numHeads(w.headDim());
            out.add(new LayerActivations(l, heads, heads, w.headDim(), bySite[CaptureSite.FFN_INTERMEDIATE.ordinal()],
                    bySite[CaptureSite.FFN_INPUT.ordinal()], bySite[CaptureSite.ATTENTION_HEADS.ordinal()],
                    bySite[CaptureSite.BLOCK_INPUT.ordinal()], bySite[CaptureSite.BLOCK_OUTPUT.ordinal()]));
        }
        return out;
    }

    public static Set<CaptureSite> sitesForPruning() {
        return EnumSet.of(CaptureSite.FFN_INTERMEDIATE, CaptureSite.ATTENTION_HEADS);
    }

    private static int[] subsample(int total, int max, long seed) {
        int[] idx = new int[total];
        Arrays.setAll(idx, i -> i);
        if (max <= 0 || max >= total) {
            return idx;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < max; i++) {
            int j = i + r.nextInt(total - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int[] out = Arrays.copyOf(idx, max);
        Arrays.sort(out);
        return out;
    }

    private static Tensor gather(List<float[]> chunks, int width, int total, int[] keep) {
        float[] all = new float[total * width];
        int off = 0;
        for (float[] c : chunks) {
            System.arraycopy(c, 0, all, off, c.length);
            off += c.length;
        }
        if (off != all.length) {
            throw new IllegalStateException("captured " + off / width + " tokens, expected " + total);
        }
        float[] out = new float[keep.length * width];
        for (int i = 0; i < keep.length; i++) {
            System.arraycopy(all, keep[i] * width, out, i * width, width);
        }
        return new Tensor(new int[] {keep.length, width}, out);
    }
}
