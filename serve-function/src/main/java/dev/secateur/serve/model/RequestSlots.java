package dev.secateur.serve.model;

import java.util.concurrent.Semaphore;

/**
 * A fixed number of requests served at once. Taking a slot never waits: an overloaded server answers 429 at once
 * (the SDKs retry with backoff) instead of queueing without bound.
 */
public final class RequestSlots {

    private final Semaphore free;
    private final int size;

    public RequestSlots(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("secateur.serve.max-concurrent-requests must be at least 1, was " + size);
        }
        this.size = size;
        this.free = new Semaphore(size);
    }

    /** @throws SaturatedException when every slot is taken */
    public Slot take() {
        if (!free.tryAcquire()) {
            throw new SaturatedException("the server is at its limit of " + size + " concurrent requests; retry shortly");
        }
        return new Slot();
    }

    public int available() {
        return free.availablePermits();
    }

    /** One taken slot; closing gives it back, once. */
    public final class Slot implements AutoCloseable {
        private boolean closed;

        private Slot() {
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                free.release();
            }
        }
    }
}
