package dev.secateur.prune.model;

import dev.secateur.testsupport.Fixtures;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.checkpoint.RopeScaling;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The formulas, one at a time, against values from fixtures/formulas.json (computed in Python). */
class OpsTest {
    private static final JsonNode F = Fixtures.json("formulas.json");
    private static NDManager m;

    @BeforeAll
    static void open() {
        m = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    static void close() {
        m.close();
    }

    private static NDArray vector(JsonNode values) {
        double[] d = Fixtures.doubles(values);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return m.create(f);
    }

    private static void assertClose(JsonNode expected, NDArray actual, double tol) {
        double[] want = Fixtures.doubles(expected);
        float[] got = actual.toFloatArray();
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol, "element " + i);
        }
    }

    @Test
    void geluNew() {
        JsonNode g = F.get("gelu_new");
        assertClose(g.get("y"), Ops.geluNew(vector(g.get("x"))), 1e-6);
    }

    /** Nemotron's relu2 on the same inputs: max(x, 0)², with zero for every negative input. */
    @Test
    void reluSquared() {
        double[] x = Fixtures.doubles(F.get("gelu_new").get("x"));
        float[] got = Ops.reluSquared(vector(F.get("gelu_new").get("x"))).toFloatArray();
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i] > 0 ? x[i] * x[i] : 0, got[i], 1e-6 * Math.max(1, x[i] * x[i]), "element " + i);
        }
    }

    @Test
    void rmsNorm() {
        JsonNode r = F.get("rms_norm");
        NDArray x = vector(r.get("x")).reshape(1, -1);
        assertClose(r.get("y"), Ops.rmsNorm(x, vector(r.get("weight")), (float) r.get("eps").asDouble()), 1e-6);
    }

    @Test
    void llama3ScaledInverseFrequencies() {
        JsonNode l = F.get("llama3_inv_freq");
        JsonNode s = l.get("rope_scaling");
        RopeScaling scaling = new RopeScaling(s.get("factor").asDouble(), s.get("low_freq_factor").asDouble(),
                s.get("high_freq_factor").asDouble(), s.get("original_max_position_embeddings").asInt());
        int headDim = l.get("head_dim").asInt();
        double theta = l.get("rope_theta").asDouble();
        assertArrayEquals(Fixtures.doubles(l.get("unscaled")), Rope.invFreq(headDim, theta, null), 1e-12);
        assertArrayEquals(Fixtures.doubles(l.get("scaled")), Rope.invFreq(headDim, theta, scaling), 1e-12);
    }

    @Test
    void ropeAtPositions() {
        JsonNode r = F.get("rope");
        int headDim = r.get("head_dim").asInt();
        Rope rope = new Rope(headDim, r.get("rope_theta").asDouble(), null);
        assertArrayEquals(Fixtures.doubles(r.get("inv_freq")), Rope.invFreq(headDim, r.get("rope_theta").asDouble(), null), 1e-12);
        JsonNode positions = r.get("positions");
        NDArray[] cosSin = rope.tables(m, positions.get(positions.size() - 1).asInt() + 1);
        NDArray x = vector(r.get("x"));
        for (int i = 0; i < positions.size(); i++) {
            int p = positions.get(i).asInt();
            NDArray y = Ops.applyRope(x, cosSin[0].get(p), cosSin[1].get(p));
            assertClose(r.get("y").get(i), y, 1e-6);
        }
    }

    @Test
    void causalMaskHidesTheFuture() {
        NDArray mask = Ops.causalMask(m, 3);
        assertEquals(new Shape(3, 3), mask.getShape());
        float inf = Float.NEGATIVE_INFINITY;
        assertArrayEquals(new float[] {0, inf, inf, 0, 0, inf, 0, 0, 0}, mask.toFloatArray());
    }
}
