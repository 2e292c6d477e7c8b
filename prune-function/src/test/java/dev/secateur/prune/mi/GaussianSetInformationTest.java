package dev.secateur.prune.mi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.checkpoint.Tensor;
import dev.secateur.prune.model.WithDjlManager;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GaussianSetInformationTest extends WithDjlManager {

    /** Columns: 0 and 1 independent, 2 = 0 + 1 + small noise, 3 independent. */
    static Tensor data(int n) {
        Random r = new Random(1);
        float[] z = new float[n * 4];
        for (int i = 0; i < n; i++) {
            double a = r.nextGaussian(), b = r.nextGaussian();
            z[i * 4] = (float) a;
            z[i * 4 + 1] = (float) b;
            z[i * 4 + 2] = (float) (a + b + 0.05 * r.nextGaussian());
            z[i * 4 + 3] = (float) r.nextGaussian();
        }
        return new Tensor(new int[] {n, 4}, z);
    }

    @Test
    void setInformationSeesJointRedundancy() {
        try (GaussianSetInformation g = new GaussianSetInformation(manager, data(4000), 1, 1e-6)) {
            double[] unit = {1, 1, 1, 1};
            double[][] gram = {{1}, {1}, {1}, {1}};
            double[] lost = g.lostEnergy(gram);
            // 0, 1, 2 are each a linear function of the other two; 3 is not
            assertTrue(lost[3] > 0.9, "independent keeps its variance: " + lost[3]);
            assertTrue(lost[2] < 0.01 && lost[0] < 0.01 && lost[1] < 0.01, java.util.Arrays.toString(lost));
            assertTrue(g.information(2) > 3, "bits: " + g.information(2));
            assertTrue(g.information(3) < 0.01, "bits: " + g.information(3));
            g.remove(2);
            lost = g.lostEnergy(gram);
            // after removing their sum, 0 and 1 are independent again
            assertTrue(lost[0] > 0.9 && lost[1] > 0.9, java.util.Arrays.toString(lost));
            assertEquals(Double.POSITIVE_INFINITY, lost[2]);
            assertEquals(4, unit.length);
        }
    }

    @Test
    void downdateEqualsFreshInverseOfTheSubset() {
        Tensor z = data(500);
        try (GaussianSetInformation g = new GaussianSetInformation(manager, z, 1, 1e-3)) {
            g.remove(1);
            double[] lost = g.lostEnergy(new double[][] {{1}, {1}, {1}, {1}});
            // fresh on columns {0, 2, 3}: same ridge λ as the full set (λ is relative to the full diagonal)
            Tensor sub = z.selectColumns(new int[] {0, 2, 3});
            double[] full = ColumnVar.of(z);
            double meanDiag = (full[0] + full[1] + full[2] + full[3]) / 4;
            double[] subVar = ColumnVar.of(sub);
            double subMean = (subVar[0] + subVar[1] + subVar[2]) / 3;
            try (GaussianSetInformation f = new GaussianSetInformation(manager, sub, 1, 1e-3 * meanDiag / subMean)) {
                double[] ref = f.lostEnergy(new double[][] {{1}, {1}, {1}});
                assertEquals(ref[0], lost[0], 1e-9 * Math.max(1, ref[0]));
                assertEquals(ref[1], lost[2], 1e-9 * Math.max(1, ref[1]));
                assertEquals(ref[2], lost[3], 1e-9 * Math.max(1, ref[2]));
            }
        }
    }

    @Test
    void blocksOfSizeOneEqualScalars() {
        Tensor z = data(300);
        double[][] gram = {{2}, {1}, {3}, {0.5}};
        try (GaussianSetInformation a = new GaussianSetInformation(manager, z, 1, 1e-3)) {
            double[] s = a.lostEnergy(gram);
            // the same data as two blocks of two columns
            try (GaussianSetInformation b = new GaussianSetInformation(manager, z, 2, 1e-3)) {
                double[] blocks = b.lostEnergy(new double[][] {{1, 0, 0, 1}, {1, 0, 0, 1}});
                assertTrue(blocks[0] > 0 && blocks[1] > 0);
                assertTrue(s[3] > s[2]);
            }
        }
    }

    static final class ColumnVar {
        static double[] of(Tensor z) {
            int n = z.dim(0), d = z.dim(1);
            double[] m = new double[d], v = new double[d];
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < d; c++) {
                    m[c] += z.data()[i * d + c] / (double) n;
                }
            }
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < d; c++) {
                    double x = z.data()[i * d + c] - m[c];
                    v[c] += x * x / n;
                }
            }
            return v;
        }
    }
}
