package dev.secateur.prune.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.secateur.prune.model.WithDjlManager;
import org.junit.jupiter.api.Test;

class SymmetricGramTest extends WithDjlManager {

    @Test
    void blockTriangleEqualsTheFullProductAtWidthsThatDoNotSplitEvenly() {
        for (int d : new int[] {7, 1024, 1031}) {
            NDArray x = manager.randomNormal(new Shape(40, d)).toType(DataType.FLOAT64, false);
            double[] expected = x.transpose().matMul(x).toDoubleArray();
            NDArray g = SymmetricGram.of(manager, x);
            assertEquals(new Shape(d, d), g.getShape());
            assertArrayEquals(expected, g.toDoubleArray(), 1e-9, "width " + d);
        }
    }
}
