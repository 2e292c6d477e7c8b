package dev.secateur.prune.inputs;

import dev.secateur.events.ModelSource;
import dev.secateur.events.PruneRequest;
import dev.secateur.events.RequestValidationException;
import dev.secateur.events.TextSource;
import dev.secateur.prune.service.JobProgress;
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
 * stored datasets) into real paths the engine may read, refusing anything outside the configured folders.
 */
public final class JobInputs {

    private final ModelStore store;
    private final PathSandbox sources;
    private final PathSandbox data;
    private final Datasets datasets;

    public JobInputs(ModelStore store, PathSandbox sources, PathSandbox data) {
        this.store = store;
        this.sources = sources;
        this.data = data;
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

    public Path text(String field, String reference) {
        Optional<String> dataset = TextSource.dataset(reference);
        return dataset.isPresent() ? datasets.resolve(field, dataset.get()) : data.file(field, reference);
    }

    /** The checkpoint folder to prune; a stored model is re-hashed against its manifest first. */
    public Path source(ModelSource source, JobProgress progress) {
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
