package dev.secateur.serve.model;

import dev.secateur.serve.config.ServeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.Semaphore;

/**
 * Lets a request in: one of a bounded number of slots (so an overloaded server answers 429 at once instead of
 * queueing without bound on two cores) and a lease on the version that will serve it.
 */
@ApplicationScoped
public class Admission {

    private final ModelService models;
    private final Semaphore slots;
    private final int size;

    public Admission(ModelService models, ServeConfig config) {
        this.models = models;
        this.size = config.maxConcurrentRequests();
        this.slots = new Semaphore(size);
    }

    /** @throws SaturatedException when every slot is in use; UnknownModelException, ModelNotReadyException */
    public Hold admit(String model) {
        ModelRegistry registry = models.registry(model);
        if (!slots.tryAcquire()) {
            throw new SaturatedException("the server is at its limit of " + size + " concurrent requests; retry shortly");
        }
        try {
            return new Hold(registry.acquire(), slots);
        } catch (RuntimeException e) {
            slots.release();
            throw e;
        }
    }

    /** A request's slot and version; closing releases both, once. */
    public static final class Hold implements AutoCloseable {
        private final ModelLease lease;
        private final Semaphore slots;
        private boolean closed;

        Hold(ModelLease lease, Semaphore slots) {
            this.lease = lease;
            this.slots = slots;
        }

        public ModelHandle handle() {
            return lease.handle();
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                try {
                    lease.close();
                } finally {
                    slots.release();
                }
            }
        }
    }
}
