package dev.secateur.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * A session {@link OrtSessions} opened, with the options it was made with: a model object holds one and closes it
 * once, which closes both (the options hold native memory of their own).
 *
 * @param model the model.onnx it runs, named in messages
 * @param provider {@value OrtDecoder#CUDA} or {@value OrtDecoder#CPU}
 */
record OpenSession(Path model, OrtEnvironment env, SessionOptions options, OrtSession session, String provider)
        implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(OpenSession.class);

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            LOG.warnf("%s: closing the session failed (%s)", model, e.getMessage());
        } finally {
            options.close();
        }
    }
}
