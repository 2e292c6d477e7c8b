package dev.secateur.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import dev.secateur.onnx.ExportManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Opens ONNX Runtime sessions the same way for every kind of model: the folder's manifest checked first, the
 * session options, the CUDA attempt with its logged fallback to CPU, and the session closed again when the
 * model's own checks then reject it (that is the model's fault, not CUDA's, so it does not retry on CPU).
 */
final class OrtSessions {
    private static final Logger LOG = Logger.getLogger(OrtSessions.class);

    /** Builds the model object over an open session; may throw when the graph is not what it expects. */
    interface Wrapper<T> {
        T wrap(OpenSession session) throws OrtException;
    }

    private OrtSessions() {
    }

    static <T> T open(Path model, OrtDecoder.Options options, Wrapper<T> wrapper) {
        if (!Files.isRegularFile(model)) {
            throw new ModelLoadException(model + ": no such file (is " + model.getParent() + " an exported model folder?)");
        }
        Path dir = model.getParent();
        if (options.verifyManifest() && dir != null && Files.isRegularFile(dir.resolve(ExportManifest.FILE))) {
            verify(dir);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        if (options.cuda()) {
            SessionOptions so = null;
            OrtSession session = null;
            try {
                so = base(options);
                so.addCUDA(options.cudaDevice());
                session = env.createSession(model.toString(), so);
            } catch (OrtException | RuntimeException | LinkageError e) {
                LOG.warnf("%s: CUDA execution provider did not load (%s); continuing on CPU", model, e.toString());
                if (so != null) {
                    so.close();
                }
            }
            if (session != null) {
                LOG.infof("%s: loaded on %s (device %d)", model, OrtDecoder.CUDA, options.cudaDevice());
                return wrap(model, env, so, session, OrtDecoder.CUDA, wrapper);
            }
        }
        SessionOptions so;
        try {
            so = base(options);
        } catch (OrtException e) {
            throw new ModelLoadException(model + ": invalid session options (" + e.getMessage() + ")", e);
        }
        OrtSession session;
        try {
            session = env.createSession(model.toString(), so);
        } catch (OrtException e) {
            so.close();
            throw new ModelLoadException(model + ": ONNX Runtime cannot load it (corrupt or truncated?): " + e.getMessage(), e);
        }
        LOG.debugf("%s: loaded on %s", model, OrtDecoder.CPU);
        return wrap(model, env, so, session, OrtDecoder.CPU, wrapper);
    }

    private static void verify(Path dir) {
        ExportManifest manifest;
        try {
            manifest = ExportManifest.read(dir);
        } catch (IllegalStateException e) {
            throw new ModelLoadException(e.getMessage(), e);
        }
        List<String> problems = manifest.verify(dir);
        if (!problems.isEmpty()) {
            throw new ModelLoadException(dir + ": files do not match " + ExportManifest.FILE + ": " + String.join("; ", problems));
        }
    }

    private static <T> T wrap(Path model, OrtEnvironment env, SessionOptions so, OrtSession session, String provider,
                              Wrapper<T> wrapper) {
        try {
            return wrapper.wrap(new OpenSession(model, env, so, session, provider));
        } catch (OrtException | RuntimeException e) {
            try {
                session.close();
            } catch (OrtException ignored) {
                // the wrapper's failure is the one worth reporting
            }
            so.close();
            if (e instanceof ModelLoadException mle) {
                throw mle;
            }
            throw new ModelLoadException(model + ": cannot read the model's inputs and metadata (" + e.getMessage() + ")", e);
        }
    }

    private static SessionOptions base(OrtDecoder.Options options) throws OrtException {
        SessionOptions so = new SessionOptions();
        try {
            so.setOptimizationLevel(options.optLevel());
            if (options.intraOpThreads() > 0) {
                so.setIntraOpNumThreads(options.intraOpThreads());
            }
            if (!options.spinning()) {
                so.addConfigEntry("session.intra_op.allow_spinning", "0");
            }
            return so;
        } catch (OrtException e) {
            so.close();
            throw e;
        }
    }
}
