package dev.secateur.prune.inputs;

import dev.secateur.events.ModelSource;
import dev.secateur.events.PruneRequest;
import dev.secateur.events.RequestValidationException;
import dev.secateur.events.TextSource;
import dev.secateur.prune.job.JobProgress;
import dev.secateur.store.IntegrityException;
import dev.secateur.store.ModelStore;
import dev.secateur.store.VersionStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Turns what a request names (a stored model or a checkpoint folder, calibration and eval texts as files or
 * stored datasets) into real paths the engine may read, refusing anything outside the operator's folders. Every
 * refusal is a {@link RequestValidationException} naming the request field, so the sender knows what to fix.
 */
public final class SourceResolver {

    /** What one job reads: the checkpoint folder, the calibration text and the eval text (null when none is named). */
    public record Inputs(Path source, Path calibration, Path eval) {
    }

    private final ModelStore store;
    private final PathSandbox sources;
    private final PathSandbox data;
    private final Datasets datasets;

    /**
     * @param sourceRoots folders {@code source.path} may name; empty allows none
     * @param dataRoots   folders calibration and eval files may come from; empty allows none (stored datasets always may)
     * @param base        what relative names, roots included, are resolved against (the working folder)
     */
    public SourceResolver(ModelStore store, List<Path> sourceRoots, List<Path> dataRoots, Path base) {
        this.store = store;
        this.sources = new PathSandbox(sourceRoots, base);
        this.data = new PathSandbox(dataRoots, base);
        this.datasets = new Datasets(store.root());
    }

    /** The cheap checks, done when a request arrives so an HTTP sender gets its 400 at once. */
    public void check(PruneRequest request) {
        if (!request.source().isStoreModel()) {
            checkpoint(request.source());
        }
        text("calibration", request.calibration());
        if (request.eval() != null) {
            text("eval", request.eval());
        }
    }

    /** Everything the request names, resolved as the job starts (a stored model is verified now, not at intake). */
    public Inputs resolve(PruneRequest request, JobProgress progress) {
        Path source = source(request.source(), progress);
        Path calibration = text("calibration", request.calibration());
        Path eval = request.eval() == null ? null : text("eval", request.eval());
        return new Inputs(source, calibration, eval);
    }

    private Path text(String field, String reference) {
        Optional<String> dataset = TextSource.dataset(reference);
        return dataset.isPresent() ? datasets.resolve(field, dataset.get()) : data.file(field, reference);
    }

    /** The checkpoint folder to prune; a stored model is re-hashed against its manifest first. */
    private Path source(ModelSource source, JobProgress progress) {
        if (!source.isStoreModel()) {
            return checkpoint(source);
        }
        String model = source.model();
        List<Integer> versions = store.versions(model);
        if (versions.isEmpty()) {
            throw new RequestValidationException("source.model", "no model '" + model + "' in the store");
        }
        int v;
        if (source.version() == null) {
            OptionalInt latest = store.latest(model);
            if (latest.isEmpty()) {
                throw new RequestValidationException("source.model", "'" + model + "' has no published version (all rejected)");
            }
            v = latest.getAsInt();
        } else {
            v = source.version();
            if (!versions.contains(v)) {
                throw new RequestValidationException("source.version", "model '" + model + "' has no version " + v
                        + " (versions: " + versions + ")");
            }
            if (store.manifest(model, v).status() == VersionStatus.REJECTED) {
                throw new RequestValidationException("source.version", "'" + model + "' v" + v + " was rejected");
            }
        }
        progress.report("verify-source", 2, model + " v" + v);
        try {
            store.verify(model, v);
        } catch (IntegrityException e) {
            throw new IllegalStateException("source " + model + " v" + v + " fails verification: " + e.getMessage(), e);
        }
        return store.resolve(model, v);
    }

    private Path checkpoint(ModelSource source) {
        Path dir = sources.folder("source.path", source.path());
        // Past the sandbox, so saying what is missing reveals nothing outside the allowed folders.
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new RequestValidationException("source.path", "no checkpoint (config.json) in that folder");
        }
        return dir;
    }
}
