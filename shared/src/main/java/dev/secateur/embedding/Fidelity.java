package dev.secateur.embedding;

/**
 * How faithfully a pruned encoder reproduces the dense one on held-out sentences.
 *
 * @param meanCosine mean over sentences of cos(pruned embedding, dense embedding)
 * @param minCosine the worst sentence's cosine
 * @param recallAt1 the fraction of sentences whose nearest neighbour among the other held-out sentences is the
 *     same under both models (retrieval agreement)
 * @param sentences how many sentences were compared
 */
public record Fidelity(double meanCosine, double minCosine, double recallAt1, int sentences) {

    public static Fidelity of(float[][] dense, float[][] pruned) {
        if (dense.length != pruned.length || dense.length < 2) {
            throw new IllegalArgumentException("need the same ≥ 2 sentences under both models, got " + dense.length + " and " + pruned.length);
        }
        double sum = 0, min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < dense.length; i++) {
            double c = Embeddings.cosine(dense[i], pruned[i]);
            sum += c;
            min = Math.min(min, c);
        }
        int[] a = Embeddings.nearestNeighbours(dense), b = Embeddings.nearestNeighbours(pruned);
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            same += a[i] == b[i] ? 1 : 0;
        }
        return new Fidelity(sum / dense.length, min, same / (double) a.length, dense.length);
    }
}
