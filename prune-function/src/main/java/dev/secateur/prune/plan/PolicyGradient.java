package dev.secateur.prune.plan;

/**
 * REINFORCE for independent Bernoulli masks: with p(m | θ) = Π θ_i^m_i (1 − θ_i)^(1 − m_i),
 * ∂/∂θ_i log p(m | θ) = (m_i − θ_i) / (θ_i (1 − θ_i)), so ∇_θ E[L(m)] = E[L(m) (m − θ) / (θ (1 − θ))]. From K masks of one
 * step the estimate is (1/K) Σ_k (L_k − b_k) (m_k − θ) / (θ (1 − θ)), b_k the mean loss of the other K − 1 masks: b_k does
 * not depend on m_k, so subtracting it keeps the estimate unbiased while cancelling the part of L common to all masks.
 */
public final class PolicyGradient {
    private PolicyGradient() {
    }

    /**
     * @param theta keep probabilities, each in (0, 1)
     * @param masks K masks over the same units (true = kept), K ≥ 2
     * @param losses the loss of each mask
     * @return the estimate of ∇_θ E[L]
     */
    public static double[] estimate(double[] theta, boolean[][] masks, double[] losses) {
        int k = masks.length;
        if (k < 2 || losses.length != k) {
            throw new IllegalArgumentException("the leave-one-out baseline needs at least 2 masks with one loss each, got " + k + " and " + losses.length);
        }
        double sum = 0;
        for (double l : losses) {
            sum += l;
        }
        double[] g = new double[theta.length];
        for (int s = 0; s < k; s++) {
            double advantage = losses[s] - (sum - losses[s]) / (k - 1);
            boolean[] m = masks[s];
            for (int i = 0; i < theta.length; i++) {
                double t = theta[i];
                g[i] += advantage * ((m[i] ? 1 : 0) - t) / (t * (1 - t));
            }
        }
        for (int i = 0; i < g.length; i++) {
            g[i] /= k;
        }
        return g;
    }
}
