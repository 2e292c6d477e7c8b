package dev.secateur.serve.model;

/** A request's hold on one version: everything it does uses this version, whatever swaps meanwhile. */
public final class ModelLease implements AutoCloseable {

    private final ModelHandle handle;
    private boolean closed;

    ModelLease(ModelHandle handle) {
        this.handle = handle;
    }

    public ModelHandle handle() {
        return handle;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            handle.release();
        }
    }
}
