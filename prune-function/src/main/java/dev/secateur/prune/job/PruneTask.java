package dev.secateur.prune.job;

import dev.secateur.events.PruneRequest;

import java.nio.file.Path;

/**
 * A request with everything resolved to local files.
 *
 * @param sourceDir   the Hugging Face checkpoint folder to prune (a store version folder or a path)
 * @param calibration the calibration text file
 * @param eval        the evaluation text file, or null
 * @param outputDir   an empty folder the engine fills; its content becomes the store version
 * @param device      "auto", "cpu" or "gpu"
 * @param exportOnnx  false only from the CLI's --export none: the checkpoint is written, no ONNX
 */
public record PruneTask(
        String jobId,
        PruneRequest request,
        Path sourceDir,
        Path calibration,
        Path eval,
        Path outputDir,
        String device,
        boolean exportOnnx) {

    public PruneTask(String jobId, PruneRequest request, Path sourceDir, Path calibration, Path eval, Path outputDir, String device) {
        this(jobId, request, sourceDir, calibration, eval, outputDir, device, true);
    }
}
