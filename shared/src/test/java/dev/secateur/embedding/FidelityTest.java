package dev.secateur.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FidelityTest {

    @Test
    void identicalEmbeddingsAgreeFully() {
        float[][] e = {{1, 0}, {0.9f, 0.1f}, {0, 1}};
        Fidelity f = Fidelity.of(e, e);
        assertEquals(1.0, f.meanCosine(), 1e-9);
        assertEquals(1.0, f.recallAt1(), 0);
        assertEquals(3, f.sentences());
    }

    @Test
    void recallCountsSentencesWhoseNearestNeighbourChanged() {
        float[][] dense = {{1, 0}, {0.9f, 0.1f}, {0, 1}, {0.1f, 0.9f}};
        // sentence 1 now points at 3's direction: nearest neighbours of 1 and 3 change, 0 and 2 do not
        float[][] pruned = {{1, 0}, {0.2f, 0.8f}, {0, 1}, {0.15f, 0.85f}};
        assertArrayEquals(new int[] {1, 0, 3, 2}, Embeddings.nearestNeighbours(dense));
        Fidelity f = Fidelity.of(dense, pruned);
        int[] nn = Embeddings.nearestNeighbours(pruned);
        int same = 0;
        int[] d = Embeddings.nearestNeighbours(dense);
        for (int i = 0; i < 4; i++) {
            same += nn[i] == d[i] ? 1 : 0;
        }
        assertEquals(same / 4.0, f.recallAt1(), 0);
        assertEquals(Embeddings.cosine(dense[1], pruned[1]), f.minCosine(), 1e-12);
    }

    @Test
    void meanPoolingIgnoresPaddingAndNormalises() {
        // batch 2, seq 3, dim 2; the second row's last token is padding with a huge value that must not count
        float[] h = {1, 0, 3, 0, 2, 0, 0, 2, 0, 4, 1000, 1000};
        long[] mask = {1, 1, 1, 1, 1, 0};
        float[][] e = Embeddings.meanPoolNormalize(h, mask, 2, 3, 2);
        assertArrayEquals(new float[] {1, 0}, e[0], 1e-6f);
        assertArrayEquals(new float[] {0, 1}, e[1], 1e-6f);
    }
}
