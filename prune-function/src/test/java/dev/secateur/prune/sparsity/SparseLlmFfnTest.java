package dev.secateur.prune.sparsity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.model.LayerWeights;
import dev.secateur.model.SparsityPattern;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SparseLLM's alternating updates on one synthetic SwiGLU FFN. */
class SparseLlmFfnTest {

    static LayerWeights ffn(int hidden, int width, long seed) {
        Tensor gate = SparsityMethodsTest.weight(width, hidden, seed), up = SparsityMethodsTest.weight(width, hidden, seed + 1),
                down = SparsityMethodsTest.weight(hidden, width, seed + 2);
        return new LayerWeights(null, null, null, null, null, null, null, null, null, null, null, null, gate, null, up, null, down, null);
    }

    @Test
    void theObjectiveNeverIncreasesAcrossIterationsAndTheMasksHold() {
        Tensor x = SparsityMethodsTest.inputs(400, 32, 21);
        LayerWeights w = ffn(32, 64, 22);
        for (SparsityTarget t : List.of(new SparsityTarget(0.6, SparsityPattern.UNSTRUCTURED), new SparsityTarget(0.5, SparsityPattern.parse("2:4")))) {
            SparseLlmFfn.Result r;
            try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
                r = new SparseLlmFfn(new SparseGptMethod(), 5, 1, 1, 1).sparsify(w, x, t, m);
            }
            List<Double> obj = r.objective();
            assertEquals(6, obj.size(), "iteration 0 and five more");
            for (int i = 1; i < obj.size(); i++) {
                assertTrue(obj.get(i) <= obj.get(i - 1) * (1 + 1e-9), t + ": objective rose at iteration " + i + ": " + obj);
            }
            assertTrue(obj.get(obj.size() - 1) < obj.get(0), t + ": the alternating updates lowered the objective at all: " + obj);
            for (Tensor s : new Tensor[] {r.weights().gate(), r.weights().up(), r.weights().down()}) {
                MatrixSparsity census = SparsityCensus.of(0, "w", s, t.pattern());
                assertEquals(t.sparsity(), census.sparsity(), 0.005, t + " " + s);
                assertEquals(0, census.groupsBreakingPattern(), t + " " + s);
            }
            assertTrue(Double.isFinite(r.outputError()) && r.plainOutputError() > 0, r.toString());
            System.out.printf("sparsellm %s: objective %s; FFN output error sparsegpt %.5g, sparsellm %.5g%n", t, obj, r.plainOutputError(),
                    r.outputError());
        }
    }

    @Test
    void aBlockWithoutAGateIsRefused() {
        LayerWeights w = ffn(8, 16, 3).withMlp(null, null, SparsityMethodsTest.weight(16, 8, 4), null, SparsityMethodsTest.weight(8, 16, 5), null);
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> new SparseLlmFfn().sparsify(w, SparsityMethodsTest.inputs(50, 8, 6), new SparsityTarget(0.5, null), m));
            assertTrue(e.getMessage().contains("gated FFN"), e.getMessage());
        }
    }
}
