package dev.secateur.prune.engine;

import dev.secateur.prune.plan.PruningPlan;
import java.nio.file.Path;
import java.util.Map;

/**
 * @param output the pruned Hugging Face folder (config.json, model.safetensors, tokenizer.json, plan.json)
 * @param perplexityBefore NaN when no evaluation text was given
 * @param seconds wall time per stage: calibrate (forward passes), score, plan, compensate, apply, eval
 * @param agreement top-1 agreement and KL divergence against the dense model, or null without evaluation text
 * @param fidelity an encoder's sentence-embedding fidelity to the dense model on the evaluation sentences, or null
 *     (decoders, or no evaluation sentences); perplexity is NaN for an encoder
 * @param couplingTraces SparseLLM's objective and FFN output errors per block; empty for every other method
 */
public record PruneResult(Path output, PruningPlan plan, long parametersBefore, long parametersAfter,
        double perplexityBefore, double perplexityAfter, int evalSeqLen, Map<String, Double> seconds, long peakActivationBytes,
        String device, dev.secateur.prune.eval.Agreement agreement,
        dev.secateur.embedding.Fidelity fidelity, java.util.List<dev.secateur.prune.sparsity.SparseLlmFfn.Trace> couplingTraces) {
}
