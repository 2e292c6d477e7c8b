package dev.secateur.serve.generate;

import dev.secateur.serve.model.ModelHandle;
import java.util.List;

/**
 * A request checked against the model it will run on: token ids known, lengths fit the context.
 *
 * @param maxTokens per prompt, the generation limit that fits the context
 */
public record PreparedCompletion(ModelHandle model, CompletionSpec spec, List<long[]> promptIds, int[] maxTokens) {
}
