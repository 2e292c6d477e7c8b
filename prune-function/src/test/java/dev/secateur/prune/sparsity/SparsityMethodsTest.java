package dev.secateur.prune.sparsity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.SparsityPattern;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Wanda and SparseGPT on synthetic layers whose inputs look like a transformer's: correlated features with a few
 * high-energy outlier channels (what makes activation-aware scores differ from magnitude).
 */
class SparsityMethodsTest {
    static final List<WeightSparsityMethod> METHODS = List.of(new WandaMethod(), new SparseGptMethod());

    /** X [tokens, inputs]: a low-rank shared part plus noise, every 7th channel scaled up 8×. */
    static Tensor inputs(int tokens, int inputs, long seed) {
        Random rnd = new Random(seed);
        int rank = Math.max(2, inputs / 4);
        double[][] mix = new double[rank][inputs];
        for (double[] row : mix) {
            for (int j = 0; j < inputs; j++) {
                row[j] = rnd.nextGaussian();
            }
        }
        float[] x = new float[tokens * inputs];
        for (int t = 0; t < tokens; t++) {
            double[] z = new double[rank];
            for (int k = 0; k < rank; k++) {
                z[k] = rnd.nextGaussian();
            }
            for (int j = 0; j < inputs; j++) {
                double v = 0.3 * rnd.nextGaussian();
                for (int k = 0; k < rank; k++) {
                    v += z[k] * mix[k][j] / Math.sqrt(rank);
                }
                x[t * inputs + j] = (float) (j % 7 == 0 ? 8 * v : v);
            }
        }
        return new Tensor(new int[] {tokens, inputs}, x);
    }

    static Tensor weight(int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (0.1 * rnd.nextGaussian());
        }
        return new Tensor(new int[] {rows, cols}, w);
    }

    /** XᵀX in double, independent of the DJL product InputGram.of uses. */
    static InputGram gram(Tensor x) {
        int n = x.dim(0), d = x.dim(1);
        double[] h = new double[d * d];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < d; i++) {
                double xi = x.data()[t * d + i];
                for (int j = 0; j < d; j++) {
                    h[i * d + j] += xi * x.data()[t * d + j];
                }
            }
        }
        return new InputGram(d, n, h);
    }

    /** ‖WXᵀ − ŴXᵀ‖² straight from the tokens, to check InputGram.reconstructionError against. */
    static double outputError(Tensor w, Tensor s, Tensor x) {
        int rows = w.dim(0), d = w.dim(1), n = x.dim(0);
        double e = 0;
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < rows; r++) {
                double diff = 0;
                for (int j = 0; j < d; j++) {
                    diff += (w.data()[r * d + j] - s.data()[r * d + j]) * x.data()[t * d + j];
                }
                e += diff * diff;
            }
        }
        return e;
    }

    @Test
    void nOfMMasksKeepExactlyNInEveryGroup() {
        Tensor x = inputs(256, 48, 1);
        InputGram g = gram(x);
        Tensor w = weight(20, 48, 2);
        for (String name : List.of("2:4", "4:8", "1:4")) {
            SparsityPattern p = SparsityPattern.parse(name);
            for (WeightSparsityMethod m : METHODS) {
                Tensor s = m.sparsify(w, g, new SparsityTarget(p.impliedSparsity(), p));
                for (int r = 0; r < 20; r++) {
                    for (int g0 = 0; g0 < 48; g0 += p.group()) {
                        int nonZero = 0;
                        for (int j = g0; j < g0 + p.group(); j++) {
                            nonZero += s.data()[r * 48 + j] != 0f ? 1 : 0;
                        }
                        assertEquals(p.kept(), nonZero, m.name() + " " + name + " row " + r + " group at " + g0);
                    }
                }
                MatrixSparsity census = SparsityCensus.of(0, "w", s, p);
                assertEquals(0, census.groupsBreakingPattern(), m.name() + " " + name);
                assertEquals(p.impliedSparsity(), census.sparsity(), 1e-12, m.name() + " " + name);
            }
        }
    }

    @Test
    void unstructuredSparsityOfEveryMatrixIsWithinHalfAPointOfTheTarget() {
        // awkward shapes: rows × cols not a multiple of 1/sparsity, more columns than SparseGPT's block of 128
        int[][] shapes = {{37, 52}, {13, 150}, {64, 33}};
        for (int[] shape : shapes) {
            Tensor x = inputs(300, shape[1], shape[0]);
            InputGram g = gram(x);
            Tensor w = weight(shape[0], shape[1], shape[1]);
            for (double target : new double[] {0.5, 0.6, 0.7}) {
                for (WeightSparsityMethod m : METHODS) {
                    Tensor s = m.sparsify(w, g, new SparsityTarget(target, SparsityPattern.UNSTRUCTURED));
                    double actual = SparsityCensus.of(0, "w", s, SparsityPattern.UNSTRUCTURED).sparsity();
                    assertEquals(target, actual, 0.005, m.name() + " at " + target + " on " + shape[0] + "×" + shape[1]);
                }
            }
        }
    }

    @Test
    void wandaZeroesTheLowestActivationWeightedScoresOfEachRow() {
        // one row; input 0 has a large norm, so its small weight outranks the larger weight on the quiet input 1
        float[] xs = new float[8 * 4];
        for (int t = 0; t < 8; t++) {
            xs[t * 4] = 10;
            xs[t * 4 + 1] = 0.1f;
            xs[t * 4 + 2] = 1;
            xs[t * 4 + 3] = 1;
        }
        InputGram g = gram(new Tensor(new int[] {8, 4}, xs));
        Tensor w = new Tensor(new int[] {1, 4}, new float[] {0.05f, 1f, 0.2f, -0.9f});
        Tensor s = new WandaMethod().sparsify(w, g, new SparsityTarget(0.5, SparsityPattern.UNSTRUCTURED));
        // scores: 0.05·10·√8, 1·0.1·√8, 0.2·√8, 0.9·√8 → inputs 1 and 2 go
        assertEquals(List.of(0.05f, 0f, 0f, -0.9f), List.of(s.data()[0], s.data()[1], s.data()[2], s.data()[3]));
    }

    @Test
    void sparseGptReconstructsTheLayerBetterThanWandaOnTheSameCalibration() {
        Tensor x = inputs(512, 160, 7);
        InputGram g = gram(x);
        Tensor w = weight(48, 160, 8);
        for (SparsityTarget t : List.of(new SparsityTarget(0.5, SparsityPattern.UNSTRUCTURED), new SparsityTarget(0.7, SparsityPattern.UNSTRUCTURED),
                new SparsityTarget(0.5, SparsityPattern.parse("2:4")), new SparsityTarget(0.5, SparsityPattern.parse("4:8")))) {
            Tensor wanda = new WandaMethod().sparsify(w, g, t);
            Tensor gpt = new SparseGptMethod().sparsify(w, g, t);
            double ew = g.reconstructionError(w, wanda), eg = g.reconstructionError(w, gpt);
            assertEquals(outputError(w, wanda, x), ew, 1e-6 * ew, "the Gram form of the error equals the token form");
            assertEquals(outputError(w, gpt, x), eg, 1e-6 * eg);
            assertTrue(eg <= ew, t + ": sparsegpt " + eg + " vs wanda " + ew);
        }
    }

    @Test
    void sparseGptsUpdateBeatsKeepingItsOwnMaskUnchanged() {
        // the OBS update is what lowers the error: the same zeros with the kept weights left as they were do worse
        Tensor x = inputs(400, 64, 11);
        InputGram g = gram(x);
        Tensor w = weight(16, 64, 12);
        Tensor gpt = new SparseGptMethod().sparsify(w, g, new SparsityTarget(0.6, SparsityPattern.UNSTRUCTURED));
        float[] masked = w.data().clone();
        int changed = 0;
        for (int i = 0; i < masked.length; i++) {
            if (gpt.data()[i] == 0f) {
                masked[i] = 0f;
            } else if (gpt.data()[i] != w.data()[i]) {
                changed++;
            }
        }
        assertTrue(changed > 0, "kept weights were updated");
        assertTrue(g.reconstructionError(w, gpt) < g.reconstructionError(w, new Tensor(w.shape(), masked)));
    }

    @Test
    void anInputNoTokenReachedIsPrunedFirst() {
        Tensor x = inputs(100, 8, 3);
        float[] xs = x.data().clone();
        for (int t = 0; t < 100; t++) {
            xs[t * 8 + 5] = 0;
        }
        InputGram g = gram(new Tensor(x.shape(), xs));
        Tensor w = weight(4, 8, 4);
        for (WeightSparsityMethod m : METHODS) {
            Tensor s = m.sparsify(w, g, new SparsityTarget(0.25, SparsityPattern.UNSTRUCTURED));
            for (int r = 0; r < 4; r++) {
                assertEquals(0f, s.data()[r * 8 + 5], m.name() + " row " + r);
            }
        }
    }
}
