package dev.secateur.serve.engine;

import java.util.Set;

/**
 * Which tokens one sequence may generate next (structured output): consulted after penalties and before sampling,
 * so the tokens are drawn from the model's distribution restricted to the allowed ones. One per sequence; it follows
 * the tokens it is told were chosen.
 */
public interface TokenConstraint {

    /** The output is whole and nothing may follow it: the sequence ends without another token. */
    boolean complete();

    /** Whether the token may come next; for a stop token, whether the output may end here. */
    boolean allows(int token, boolean stop);

    /** Sets the logit of every token that may not come next to −∞ (stops: the tokens that end the sequence). */
    void mask(float[] logits, Set<Long> stops);

    /** The token was chosen (never a stop token). */
    void accept(int token);
}
