package dev.secateur.prune.engine;

import dev.secateur.prune.plan.Allocation;
import dev.secateur.prune.sparsity.SparsityTarget;
import dev.secateur.model.TargetShape;
import java.nio.file.Path;

/**
 * Everything one pruning run needs, as the CLI, the HTTP/Kafka adapters or a test fill it in.
 *
 * @param tokenizer null: model/tokenizer.json
 * @param ffnRatio fraction of FFN neurons to remove, or null
 * @param headRatio fraction of attention heads to remove (whole KV groups), or null
 * @param layerRatio fraction of layers to drop, or null
 * @param threshold FFN threshold mode (bits, MI criteria): remove while MI > threshold (ffnRatio, if set, caps it)
 * @param minKeep per-layer floor under GLOBAL allocation (fraction of units kept)
 * @param miTokens tokens subsampled for the pairwise Rényi estimator and layer MI
 * @param maxTokens activation rows kept per layer (token-subsampled)
 * @param calibrationMode what calibrates block i + 1: the pruned block i's output (sequential) or the dense one's
 * @param evalText perplexity text for before/after, or null to skip
 * @param sparsity zeros in every block's linear weights, for criterion wanda, sparsegpt or sparsellm; null for structured pruning
 * @param targetShape a sheared target architecture (layers, hidden, heads, kv-heads, ffn) instead of ratios, or null
 */
public record PruneOptions(
        Path model, Path tokenizer, Path calibration, Path output,
        int samples, int seqLen, long seed, String device,
        String criterion, Double ffnRatio, Double headRatio, Double layerRatio, Double threshold,
        Allocation allocation, double minKeep, String compensation,
        double kernelScale, int miTokens, int maxTokens, double ridge, int batchSize, CalibrationMode calibrationMode,
        Path evalText, int evalSeqLen, long evalMaxTokens, SparsityTarget sparsity, TargetShape targetShape) {

    /** Options of a structured run (no weight sparsity). */
    public PruneOptions(Path model, Path tokenizer, Path calibration, Path output,
            int samples, int seqLen, long seed, String device,
            String criterion, Double ffnRatio, Double headRatio, Double layerRatio, Double threshold,
            Allocation allocation, double minKeep, String compensation,
            double kernelScale, int miTokens, int maxTokens, double ridge, int batchSize, CalibrationMode calibrationMode,
            Path evalText, int evalSeqLen, long evalMaxTokens) {
        this(model, tokenizer, calibration, output, samples, seqLen, seed, device, criterion, ffnRatio, headRatio, layerRatio, threshold,
                allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize, calibrationMode, evalText, evalSeqLen,
                evalMaxTokens, null, null);
    }

    /** The same run as weight sparsity by a sparsity method (wanda, sparsegpt, sparsellm): no FFN/head/layer targets, no compensation step. */
    public PruneOptions withSparsity(String method, SparsityTarget target) {
        return new PruneOptions(model, tokenizer, calibration, output, samples, seqLen, seed, device, method, null, null, null, null,
                allocation, minKeep, "none", kernelScale, miTokens, maxTokens, ridge, batchSize, calibrationMode, evalText, evalSeqLen,
                evalMaxTokens, target, null);
    }

    /** Defaults: mi + lsq, 20 % of FFN neurons, 64 × 256 calibration tokens, 8192 rows per layer, seed 0. */
    public static PruneOptions defaults(Path model, Path calibration, Path output) {
        return new PruneOptions(model, null, calibration, output, 64, 256, 0, "auto", "mi", 0.2, null, null, null,
                Allocation.UNIFORM, 0.05, "lsq", 1.0, 256, 8192, 1e-2, 8, CalibrationMode.SEQUENTIAL, null, 256, 0);
    }

    public PruneOptions withRatios(Double ffn, Double heads, Double layers) {
        return new PruneOptions(model, tokenizer, calibration, output, samples, seqLen, seed, device, criterion, ffn, heads, layers, threshold,
                allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize, calibrationMode, evalText, evalSeqLen,
                evalMaxTokens, sparsity, targetShape);
    }

    public PruneOptions withMethod(String criterion, String compensation, Allocation allocation) {
        return new PruneOptions(model, tokenizer, calibration, output, samples, seqLen, seed, device, criterion, ffnRatio, headRatio, layerRatio,
                threshold, allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize, calibrationMode, evalText,
                evalSeqLen, evalMaxTokens, sparsity, targetShape);
    }

    public PruneOptions withCalibration(int samples, int seqLen, int maxTokens, int batchSize) {
        return new PruneOptions(model, tokenizer, calibration, output, samples, seqLen, seed, device, criterion, ffnRatio, headRatio, layerRatio,
                threshold, allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize, calibrationMode, evalText,
                evalSeqLen, evalMaxTokens, sparsity, targetShape);
    }

    public PruneOptions withEval(Path text, int seqLen, long evalMax) {
        return new PruneOptions(model, tokenizer, calibration, output, samples, this.seqLen, seed, device, criterion, ffnRatio, headRatio,
                layerRatio, threshold, allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize,
                calibrationMode, text, seqLen, evalMax, sparsity, targetShape);
    }

    public PruneOptions withCalibrationMode(CalibrationMode mode) {
        return new PruneOptions(model, tokenizer, calibration, output, samples, seqLen, seed, device, criterion, ffnRatio, headRatio,
                layerRatio, threshold, allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize,
                mode, evalText, evalSeqLen, evalMaxTokens, sparsity, targetShape);
    }

    /** The same run pruned to a target shape: no FFN/head/layer ratios or threshold beside it. */
    public PruneOptions withTargetShape(TargetShape shape) {
        return new PruneOptions(model, tokenizer, calibration, output, samples, seqLen, seed, device, criterion, null, null, null, null,
                allocation, minKeep, compensation, kernelScale, miTokens, maxTokens, ridge, batchSize, calibrationMode, evalText, evalSeqLen,
                evalMaxTokens, sparsity, shape);
    }

    public Path tokenizerPath() {
        return tokenizer != null ? tokenizer : model.resolve("tokenizer.json");
    }
}
