package dev.secateur.prune.sparsity;

import java.util.List;

/**
 * What report.json says about a sparse model: every linear matrix's zeros as stored, and the totals.
 *
 * @param linearSparsity zeros over all weights of the blocks' linear layers
 * @param modelSparsity zeros of those layers over every parameter of the model (embeddings, norms and the head are
 *     left dense and not searched for zeros)
 * @param storage how the zeros are stored and what that means for speed
 */
public record SparsityReport(String method, double target, String pattern, List<MatrixSparsity> matrices,
        long linearWeights, long linearZeros, double linearSparsity, long parameters, double modelSparsity, String storage) {

    public static final String STORAGE = "zeros are stored dense, as 0.0 values, in the safetensors checkpoint and in model.onnx: "
            + "files keep their size and ONNX Runtime's dense kernels do the same work, so expect no speed-up from unstructured "
            + "zeros; 2:4 runs faster only on backends with sparse tensor cores (e.g. TensorRT on Ampere or newer), not on ONNX Runtime's "
            + "CPU or CUDA execution providers";
}
