package dev.secateur.serve.engine;

import dev.secateur.runtime.SamplingParams;

/** A decoder: next-token logits and generation. Each {@link #generate} call keeps its own state (KV cache, sampler). */
public interface TextGenerator extends Engine {

    /** End-of-sequence token ids; generation stops on any of them. */
    long[] eosIds();

    /** Full-sequence logits for a batch of equally long rows: [B][T][V]. */
    float[][][] logits(long[][] ids);

    /** Runs prefill + decode until the sink says stop, an EOS token, or {@code params.maxTokens()}. */
    default Generated generate(long[] prompt, SamplingParams params, TokenSink sink) {
        return generate(prompt, params, null, sink);
    }

    /** The same with the tokens restricted to what {@code constraint} allows (null: any). */
    Generated generate(long[] prompt, SamplingParams params, TokenConstraint constraint, TokenSink sink);

    /** Whether concurrent {@link #generate} calls share decode steps (so running a request's choices at once pays). */
    default boolean batches() {
        return false;
    }
}
