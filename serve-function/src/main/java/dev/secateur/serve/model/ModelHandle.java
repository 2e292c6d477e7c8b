package dev.secateur.serve.model;

import dev.secateur.serve.engine.LoadedModel;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * One served version with a reference count. The registry holds one reference while the version is
 * current; each request holds one while it runs. Retiring drops the registry's reference, so the
 * session closes when the last in-flight request releases it, never under a running request.
 */
public final class ModelHandle {

    private static final Logger LOG = Logger.getLogger(ModelHandle.class);

    private final String name;
    private final int version;
    private final LoadedModel model;
    private final Instant loadedAt = Instant.now();
    private final AtomicInteger refs = new AtomicInteger(1);
    private final AtomicBoolean retired = new AtomicBoolean();

    public ModelHandle(String name, int version, LoadedModel model) {
        this.name = name;
        this.version = version;
        this.model = model;
    }

    public String name() {
        return name;
    }

    public int version() {
        return version;
    }

    /** "name:version", the model id the APIs report. */
    public String id() {
        return name + ":" + version;
    }

    public LoadedModel model() {
        return model;
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    /** False once the handle has drained and closed; the caller then reads the registry again. */
    boolean tryAcquire() {
        while (true) {
            int r = refs.get();
            if (r <= 0) {
                return false;
            }
            if (refs.compareAndSet(r, r + 1)) {
                return true;
            }
        }
    }

    void release() {
        int left = refs.decrementAndGet();
        if (left == 0) {
            LOG.infof("closing %s: drained", id());
            model.close();
        } else if (left < 0) {
            throw new IllegalStateException("released " + id() + " more often than acquired");
        }
    }

    /** Drops the registry's reference once; closes now if no request holds it. */
    void retire() {
        if (retired.compareAndSet(false, true)) {
            release();
        }
    }

    public boolean isClosed() {
        return refs.get() <= 0;
    }

    /** In-flight requests (excluding the registry's own reference). */
    public int inFlight() {
        int r = refs.get();
        return retired.get() ? Math.max(r, 0) : r - 1;
    }
}
