package dev.secateur.prune.sparsity;

import dev.secateur.model.SparsityPattern;

import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.EncoderLayerWeights;
import dev.secateur.model.EncoderWeights;
import dev.secateur.model.LayerWeights;
import dev.secateur.model.StreamedCheckpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts the zeros of a written model folder, block by block, so that the report states what is on disk rather than
 * what the sparsifier intended (a cast to F16/BF16 could add zeros, a bug could lose them).
 */
public final class SparsityCensus {
    private SparsityCensus() {
    }

    public static SparsityReport of(Path dir, String method, SparsityTarget target) {
        List<MatrixSparsity> matrices = new ArrayList<>();
        long parameters;
        if (ConfigReader.read(dir).architecture().isDecoder()) {
            try (StreamedCheckpoint ckpt = StreamedCheckpoint.open(dir)) {
                for (int l = 0; l < ckpt.numLayers(); l++) {
                    count(l, ckpt.layer(l), target.pattern(), matrices);
                }
                parameters = ckpt.parameterCount();
            }
        } else {
            EncoderWeights enc = EncoderWeights.load(dir);
            List<EncoderLayerWeights> layers = enc.layers();
            for (int l = 0; l < layers.size(); l++) {
                count(l, layers.get(l).asLayerWeights(), target.pattern(), matrices);
            }
            parameters = enc.parameterCount();
        }
        long weights = 0, zeros = 0;
        for (MatrixSparsity m : matrices) {
            weights += (long) m.rows() * m.cols();
            zeros += m.zeros();
        }
        return new SparsityReport(method, target.sparsity(), target.pattern().toString(), matrices, weights, zeros,
                weights == 0 ? 0 : (double) zeros / weights, parameters, parameters == 0 ? 0 : (double) zeros / parameters,
                SparsityReport.STORAGE);
    }

    /** Zeros over all linear weights of one block. */
    public static double linearSparsity(LayerWeights w) {
        List<MatrixSparsity> ms = new ArrayList<>();
        count(0, w, SparsityPattern.UNSTRUCTURED, ms);
        long zeros = 0, all = 0;
        for (MatrixSparsity m : ms) {
            zeros += m.zeros();
            all += (long) m.rows() * m.cols();
        }
        return all == 0 ? 0 : (double) zeros / all;
    }

    private static void count(int layer, LayerWeights w, SparsityPattern p, List<MatrixSparsity> out) {
        for (LinearSite site : LinearSite.values()) {
            Tensor t = site.weight(w);
            if (t != null && t.numel() > 0) {
                out.add(of(layer, site.matrix(), t, p));
            }
        }
    }

    /** One matrix's zeros and, for N:M, the groups that hold more than N non-zeros. */
    public static MatrixSparsity of(int layer, String name, Tensor t, SparsityPattern p) {
        int rows = t.dim(0), cols = t.dim(1);
        float[] d = t.data();
        long zeros = 0, breaking = 0;
        for (int r = 0; r < rows; r++) {
            int nonZeroInGroup = 0;
            for (int j = 0; j < cols; j++) {
                boolean z = d[r * cols + j] == 0f;
                zeros += z ? 1 : 0;
                if (!p.unstructured()) {
                    nonZeroInGroup += z ? 0 : 1;
                    if ((j + 1) % p.group() == 0 || j == cols - 1) {
                        breaking += nonZeroInGroup > p.kept() ? 1 : 0;
                        nonZeroInGroup = 0;
                    }
                }
            }
        }
        return new MatrixSparsity(layer, name, rows, cols, zeros, (double) zeros / ((long) rows * cols), breaking);
    }
}
