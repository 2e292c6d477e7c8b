package dev.secateur.serve.model;

import dev.secateur.serve.engine.EngineFactory;
import dev.secateur.serve.engine.LoadedModel;
import dev.secateur.serve.engine.RuntimeOptions;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/** Verify (store manifest) → open (runtime) → validate; a failure closes whatever was opened. */
public final class ModelLoader {

    private static final Logger LOG = Logger.getLogger(ModelLoader.class);

    private final VersionSource source;
    private final EngineFactory factory;
    private final RuntimeOptions options;
    private final VersionValidator validator;

    public ModelLoader(VersionSource source, EngineFactory factory, RuntimeOptions options, VersionValidator validator) {
        this.source = source;
        this.factory = factory;
        this.options = options;
        this.validator = validator;
    }

    public VersionSource source() {
        return source;
    }

    public ModelHandle load(String name, int version, ModelHandle current) throws Exception {
        long t0 = System.nanoTime();
        Path dir = source.verified(name, version);
        LoadedModel model = factory.open(dir, options);
        try {
            validator.validate(model, current);
        } catch (Exception | Error e) {
            model.close();
            throw e;
        }
        LOG.infof("loaded %s:%d from %s on %s in %.0f ms", name, version, dir, model.engine().provider(),
                (System.nanoTime() - t0) / 1e6);
        return new ModelHandle(name, version, model);
    }
}
