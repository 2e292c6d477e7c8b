package dev.secateur.serve.model;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * The served version of one model name and its swaps. Requests take a {@link ModelLease} without locking;
 * swaps are serialised, load and validate the new version before publishing it with one atomic write, then
 * retire the old handle, which closes once its in-flight requests are done.
 */
public final class ModelRegistry {

    private static final Logger LOG = Logger.getLogger(ModelRegistry.class);

    private final String name;
    private final ModelLoader loader;
    private final SwapListener listener;
    private final AtomicReference<ModelHandle> current = new AtomicReference<>();
    /** Versions served before the current one, oldest first. */
    private final Deque<Integer> history = new ArrayDeque<>();
    private volatile SwapError lastError;
    /** Highest version offered by an event or a scan; older offers are replays and are ignored. */
    private int highestOffered;

    public ModelRegistry(String name, ModelLoader loader, SwapListener listener) {
        this.name = name;
        this.loader = loader;
        this.listener = listener;
    }

    public String name() {
        return name;
    }

    public boolean isReady() {
        return current.get() != null;
    }

    public Optional<ModelHandle> current() {
        return Optional.ofNullable(current.get());
    }

    public Optional<SwapError> lastError() {
        return Optional.ofNullable(lastError);
    }

    public synchronized OptionalInt previousVersion() {
        Integer p = history.peekLast();
        return p == null ? OptionalInt.empty() : OptionalInt.of(p);
    }

    public synchronized List<Integer> history() {
        return List.copyOf(history);
    }

    /** A hold on the current version; close it when the request is done. */
    public ModelLease acquire() {
        while (true) {
            ModelHandle h = current.get();
            if (h == null) {
                SwapError e = lastError;
                throw new ModelNotReadyException("model " + name + " is not loaded yet"
                        + (e == null ? "" : " (last error: " + e.message() + ")"));
            }
            if (h.tryAcquire()) {
                return new ModelLease(h);
            }
            // Retired and drained between get() and tryAcquire(): the new one is already published.
        }
    }

    /**
     * A version announced by an event or found by a scan. Versions not above the highest already offered
     * are ignored, so replayed events and repeated scans do not reload (or retry a broken version).
     */
    public synchronized boolean offer(int version, String trigger) {
        if (version <= highestOffered) {
            return false;
        }
        highestOffered = version;
        return swapTo(version, trigger);
    }

    /** Loads the store's latest version if it is newer than anything offered so far. */
    public boolean scan(String trigger) {
        OptionalInt latest = loader.source().latest(name);
        return latest.isPresent() && offer(latest.getAsInt(), trigger);
    }

    /**
     * Startup: the newest version that verifies, loads and validates. A broken latest version must not leave
     * the server with nothing to serve while an older good one sits in the store; the fallback stays visible
     * as {@link #lastError()} (GET /v1/models shows it) until a newer version is served.
     */
    public synchronized boolean loadNewestServable(String trigger) {
        List<Integer> candidates = loader.source().servable(name);
        if (candidates.isEmpty() || candidates.get(0) <= highestOffered) {
            return false;
        }
        int newest = candidates.get(0);
        highestOffered = newest; // a scan or replayed event must not retry the broken versions; newer ones still load
        List<String> refused = new ArrayList<>();
        for (int version : candidates) {
            if (swapTo(version, trigger)) {
                if (!refused.isEmpty()) {
                    String msg = "version(s) " + String.join("; ", refused) + "; serving version " + version + " instead";
                    lastError = new SwapError(newest, trigger, msg, Instant.now());
                    LOG.warnf("%s: %s", name, msg);
                }
                return true;
            }
            SwapError e = lastError;
            refused.add(version + " refused (" + (e == null ? "?" : e.message()) + ")");
        }
        return false;
    }

    /** Returns to the version served before the current one. */
    public synchronized ModelHandle rollback() {
        ModelHandle now = current.get();
        Integer previous = history.peekLast();
        if (now == null || previous == null) {
            throw new IllegalStateException("model " + name + " has no previous version to roll back to");
        }
        ModelHandle loaded;
        try {
            loaded = loader.load(name, previous, now);
        } catch (Exception e) {
            fail(previous, "rollback", e);
            throw new IllegalStateException("rollback of " + name + " to version " + previous + " failed: " + message(e), e);
        }
        history.pollLast();
        publish(loaded, "rollback");
        // The version rolled back from is not pushed onto the history: a second rollback goes further back.
        return loaded;
    }

    private boolean swapTo(int version, String trigger) {
        ModelHandle now = current.get();
        if (now != null && now.version() == version) {
            return false;
        }
        ModelHandle loaded;
        try {
            loaded = loader.load(name, version, now);
        } catch (Exception | LinkageError e) {
            fail(version, trigger, e);
            return false;
        }
        if (now != null) {
            history.addLast(now.version());
        }
        publish(loaded, trigger);
        return true;
    }

    private void publish(ModelHandle loaded, String trigger) {
        ModelHandle old = current.getAndSet(loaded);
        lastError = null;
        LOG.infof("serving %s (was %s, trigger %s, provider %s)", loaded.id(), old == null ? "none" : old.id(),
                trigger, loaded.model().engine().provider());
        if (old != null) {
            old.retire();
        }
        listener.swapped(old, loaded, trigger);
    }

    private void fail(int version, String trigger, Throwable e) {
        String msg = message(e);
        lastError = new SwapError(version, trigger, msg, Instant.now());
        ModelHandle now = current.get();
        LOG.errorf(e, "version %d of %s rejected (%s); still serving %s", version, name, trigger,
                now == null ? "nothing" : now.id());
        listener.swapFailed(name, version, trigger, msg);
    }

    private static String message(Throwable e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** Shutdown: retire the current version (closes after in-flight requests). */
    public synchronized void close() {
        ModelHandle h = current.getAndSet(null);
        if (h != null) {
            h.retire();
        }
    }
}
