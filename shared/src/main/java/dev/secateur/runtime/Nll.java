package dev.secateur.runtime;

/** Summed negative log-likelihood (nats) of {@code count} next-token predictions; perplexity = exp(sum / count). */
public record Nll(double sum, long count) {
    public Nll plus(Nll o) {
        return new Nll(sum + o.sum, count + o.count);
    }

    public double perplexity() {
        return Math.exp(sum / count);
    }
}
