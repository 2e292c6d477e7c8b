package dev.secateur.embedding;

/**
 * Sentence embeddings as sentence-transformers computes them (all-MiniLM-L6-v2 and friends): the mean of
 * the last hidden states over real tokens (attention_mask 1), then L2-normalised. Plus the similarity
 * measures the fidelity metrics use.
 */
public final class Embeddings {
    private Embeddings() {
    }

    /**
     * @param hidden row-major [batch, seq, dim]
     * @param mask row-major [batch, seq], 1 for real tokens
     * @return [batch][dim], each row of unit length (a row with no tokens stays zero)
     */
    public static float[][] meanPoolNormalize(float[] hidden, long[] mask, int batch, int seq, int dim) {
        float[][] out = new float[batch][dim];
        for (int b = 0; b < batch; b++) {
            double[] sum = new double[dim];
            double count = 0;
            for (int t = 0; t < seq; t++) {
                long m = mask[b * seq + t];
                if (m == 0) {
                    continue;
                }
                count += m;
                int off = (b * seq + t) * dim;
                for (int d = 0; d < dim; d++) {
                    sum[d] += hidden[off + d] * (double) m;
                }
            }
            double norm = 0;
            for (int d = 0; d < dim; d++) {
                sum[d] /= Math.max(count, 1e-9);
                norm += sum[d] * sum[d];
            }
            norm = Math.max(Math.sqrt(norm), 1e-12);
            for (int d = 0; d < dim; d++) {
                out[b][d] = (float) (sum[d] / norm);
            }
        }
        return out;
    }

    public static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.max(Math.sqrt(na) * Math.sqrt(nb), 1e-30);
    }

    /** Largest absolute difference between two sets of embeddings. */
    public static double maxAbsDiff(float[][] a, float[][] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return m;
    }

    /** For each row, the index of its most cosine-similar other row. */
    public static int[] nearestNeighbours(float[][] e) {
        int n = e.length;
        int[] nn = new int[n];
        for (int i = 0; i < n; i++) {
            double best = Double.NEGATIVE_INFINITY;
            int arg = -1;
            for (int j = 0; j < n; j++) {
                if (j == i) {
                    continue;
                }
                double c = cosine(e[i], e[j]);
                if (c > best) {
                    best = c;
                    arg = j;
                }
            }
            nn[i] = arg;
        }
        return nn;
    }
}
