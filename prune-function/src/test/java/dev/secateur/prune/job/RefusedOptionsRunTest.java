package dev.secateur.prune.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.events.PruneRequest;
import dev.secateur.events.RequestValidationException;
import dev.secateur.testsupport.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests that are valid as requests but that the engine refuses, through the runner the CLI and the service share:
 * the refusal names the field the engine's options named, and nothing is written.
 */
class RefusedOptionsRunTest {
    @TempDir
    Path tmp;

    private int runs;

    private Path model() throws IOException {
        Path dst = tmp.resolve("llama-gqa");
        if (Files.isDirectory(dst)) {
            return dst;
        }
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(Fixtures.dir("llama-gqa"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        Files.copy(WeightSparsityRunTest.TOKENIZER, dst.resolve("tokenizer.json"));
        return dst;
    }

    private void assertRefused(ObjectNode request, String field, String reason) throws IOException {
        assertRefused(model(), WeightSparsityRunTest.TEXT, request, field, reason);
    }

    private void assertRefused(Path model, Path calibration, ObjectNode request, String field, String reason) throws IOException {
        Path out = tmp.resolve("out" + runs++);
        Files.createDirectories(out);
        PruneRequest req = PruneRequest.parseValid(request);
        RequestValidationException e = assertThrows(RequestValidationException.class, () -> new PipelineJobRunner()
                .prune(new PruneTask("t", req, model, calibration, null, out, "cpu", false), JobProgress.NONE));
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.reason().contains(reason), e.reason());
        assertFalse(e.reason().startsWith(field + ":"), "the reason does not repeat the field: " + e.reason());
        try (Stream<Path> left = Files.list(out)) {
            assertFalse(left.findAny().isPresent(), "nothing written");
        }
    }

    @Test
    void nothingToPruneNamesTheFfnRatio() throws IOException {
        assertRefused(WeightSparsityRunTest.request(tmp.resolve("llama-gqa"), "magnitude").put("ffnRatio", 0.0), "ffnRatio", "nothing to prune");
        assertRefused(WeightSparsityRunTest.request(tmp.resolve("llama-gqa"), "mask-opt").put("ffnRatio", 0.0), "ffnRatio",
                "mask-opt needs a parameter ratio or an FFN ratio");
    }

    @Test
    void aTargetShapeTheRunCannotTakeNamesTheTargetShape() throws IOException {
        // refused by the options themselves: a hidden cut calibrates on the narrowed stream
        assertRefused(WeightSparsityRunTest.request(tmp.resolve("llama-gqa"), "mi").put("targetShape", "hidden=16")
                .put("calibrationMode", "dense"), "targetShape", "calibration mode must be sequential");
        // refused against the model's sizes
        assertRefused(WeightSparsityRunTest.request(tmp.resolve("llama-gqa"), "mi").put("targetShape", "ffn=97"), "targetShape",
                "ffn=97 is more than the model's 96 FFN neurons");
    }

    /** Refused where the model is read: an encoder has no language-model loss to recover on between adaptive steps. */
    @Test
    void recoveryOnAnEncoderNamesTheRecoverSteps() throws IOException {
        Path encoder = dev.secateur.prune.encoder.MiniLm.folder(), sentences = dev.secateur.prune.encoder.MiniLm.calibration();
        assertRefused(encoder, sentences, WeightSparsityRunTest.request(encoder, "mi").put("calibration", sentences.toString())
                .put("schedule", "adaptive").put("recoverSteps", 2), "recoverSteps", "an encoder has not");
    }
}
