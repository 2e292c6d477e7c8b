package dev.secateur.serve.model;

import dev.secateur.serve.config.ServeConfig;
import jakarta.enterprise.context.ApplicationScoped;

/** Lets a request in: one of the bounded {@link RequestSlots} and a lease on the version that will serve it. */
@ApplicationScoped
public class Admission {

    private final ModelService models;
    private final RequestSlots slots;

    public Admission(ModelService models, ServeConfig config) {
        this.models = models;
        this.slots = new RequestSlots(config.maxConcurrentRequests());
    }

    /** @throws SaturatedException when every slot is in use; UnknownModelException, ModelNotReadyException */
    /** Request slots free now. */
    public int availableSlots() {
        return slots.available();
    }

    public Hold admit(String model) {
        ModelRegistry registry = models.registry(model);
        RequestSlots.Slot slot = slots.take();
        try {
            return new Hold(registry.acquire(), slot);
        } catch (RuntimeException e) {
            slot.close();
            throw e;
        }
    }

    /** A request's slot and version; closing releases both, once. */
    public static final class Hold implements AutoCloseable {
        private final ModelLease lease;
        private final RequestSlots.Slot slot;

        Hold(ModelLease lease, RequestSlots.Slot slot) {
            this.lease = lease;
            this.slot = slot;
        }

        public ModelHandle handle() {
            return lease.handle();
        }

        @Override
        public void close() {
            try {
                lease.close();
            } finally {
                slot.close();
            }
        }
    }
}
