package dev.secateur.prune.inputs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.events.PruneRequest;
import dev.secateur.events.RequestValidationException;
import dev.secateur.json.Json;
import dev.secateur.prune.job.JobProgress;
import dev.secateur.store.ModelStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A whole request through the resolver on a real file system: each field that names a file is confined to its
 * operator-allowed folders, at intake ({@code check}) and again when the job starts ({@code resolve}), and a refusal
 * names the field it is about.
 */
class SourceResolverTest {

    @TempDir
    Path tmp;

    private Path models;
    private Path data;
    private Path outsideCheckpoint;
    private Path outsideText;
    private SourceResolver resolver;

    @BeforeEach
    void layout() throws IOException {
        models = Files.createDirectories(tmp.resolve("models"));
        data = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(Files.createDirectories(models.resolve("tiny")).resolve("config.json"), "{}");
        Files.writeString(data.resolve("calib.txt"), "calibration text");
        Files.writeString(data.resolve("eval.txt"), "eval text");
        outsideCheckpoint = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.writeString(outsideCheckpoint.resolve("config.json"), "{}");
        outsideText = Files.writeString(tmp.resolve("secret.txt"), "secret");
        resolver = new SourceResolver(new ModelStore(tmp.resolve("store")), List.of(Path.of("models")), List.of(Path.of("data")), tmp);
    }

    private static PruneRequest request(String sourcePath, String calibration, String eval) {
        ObjectNode node = Json.mapper().createObjectNode();
        node.putObject("source").put("path", sourcePath);
        node.put("calibration", calibration);
        if (eval != null) {
            node.put("eval", eval);
        }
        node.put("outputModel", "out");
        return PruneRequest.parseValid(node);
    }

    /** Refused at intake and at the start of the job alike, blaming {@code field}, and saying nothing more. */
    private void assertRefused(PruneRequest request, String field) {
        for (Runnable step : List.<Runnable>of(() -> resolver.check(request), () -> resolver.resolve(request, JobProgress.NONE))) {
            RequestValidationException e = assertThrows(RequestValidationException.class, step::run);
            assertEquals(field, e.field());
            assertEquals(PathSandbox.REFUSED, e.reason());
        }
    }

    @Test
    void namesUnderTheAllowedFoldersResolveToTheirRealPaths() throws IOException {
        PruneRequest request = request("models/tiny", "data/calib.txt", data.resolve("eval.txt").toString());
        resolver.check(request);
        SourceResolver.Inputs in = resolver.resolve(request, JobProgress.NONE);
        assertEquals(models.resolve("tiny").toRealPath(), in.source());
        assertEquals(data.resolve("calib.txt").toRealPath(), in.calibration());
        assertEquals(data.resolve("eval.txt").toRealPath(), in.eval());
        assertNull(resolver.resolve(request("models/tiny", "data/calib.txt", null), JobProgress.NONE).eval());
    }

    @Test
    void aSourcePathThatLeavesTheRootsIsRefused() throws IOException {
        Files.createSymbolicLink(models.resolve("linked"), outsideCheckpoint);
        assertRefused(request("models/../elsewhere", "data/calib.txt", null), "source.path");
        assertRefused(request("models/linked", "data/calib.txt", null), "source.path");
        assertRefused(request(outsideCheckpoint.toString(), "data/calib.txt", null), "source.path");
    }

    @Test
    void calibrationAndEvalThatLeaveTheRootsAreRefused() throws IOException {
        Files.createSymbolicLink(data.resolve("linked.txt"), outsideText);
        for (String escape : List.of("data/../secret.txt", "data/linked.txt", outsideText.toString())) {
            assertRefused(request("models/tiny", escape, null), "calibration");
            assertRefused(request("models/tiny", "data/calib.txt", escape), "eval");
        }
    }

    @Test
    void eachKindOfRootOnlyAllowsItsOwnFields() {
        // A text file under the checkpoint root is not a calibration text, nor a checkpoint under the data root.
        assertRefused(request("models/tiny", "models/tiny/config.json", null), "calibration");
        assertRefused(request("data", "data/calib.txt", null), "source.path");
    }

    @Test
    void aFolderWithoutACheckpointIsNamedAsSuch() throws IOException {
        Files.createDirectories(models.resolve("empty"));
        RequestValidationException e = assertThrows(RequestValidationException.class,
                () -> resolver.check(request("models/empty", "data/calib.txt", null)));
        assertEquals("source.path", e.field());
        assertEquals("no checkpoint (config.json) in that folder", e.reason());
    }

    @Test
    void aStoredModelThatIsNotThereNamesTheModelField() {
        ObjectNode node = Json.mapper().createObjectNode();
        node.putObject("source").put("model", "missing");
        node.put("calibration", "data/calib.txt");
        node.put("outputModel", "out");
        PruneRequest request = PruneRequest.parseValid(node);
        resolver.check(request); // the store is consulted when the job starts, not at intake
        RequestValidationException e = assertThrows(RequestValidationException.class, () -> resolver.resolve(request, JobProgress.NONE));
        assertEquals("source.model", e.field());
    }
}
