package dev.secateur.serve.model;

import dev.secateur.serve.config.ServeConfig;
import dev.secateur.serve.engine.BatchingOptions;
import dev.secateur.serve.engine.DecodeStats;
import dev.secateur.serve.engine.EngineFactory;
import dev.secateur.serve.engine.RuntimeOptions;
import dev.secateur.serve.metrics.ServeMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Owns the registry of the configured model and the one thread that changes it: the startup load, store
 * scans, Kafka announcements and rollbacks all queue on it, so swaps never race and never hold up a
 * request thread or the Kafka poll loop.
 */
@ApplicationScoped
public class ModelService {

    private static final Logger LOG = Logger.getLogger(ModelService.class);

    private final ServeConfig config;
    private final ModelRegistry registry;
    private final VersionSource source;
    private final DecodeStats decodeStats = new DecodeStats();
    private final ScheduledExecutorService reloader = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "secateur-reloader");
        t.setDaemon(true);
        return t;
    });

    public ModelService(ServeConfig config, VersionSource source, EngineFactory factory, ServeMetrics metrics) {
        this.config = config;
        this.source = source;
        ServeConfig.Batching b = config.batching();
        metrics.decoding(decodeStats);
        RuntimeOptions options = new RuntimeOptions(config.intraOpThreads(), config.optimization(), config.cuda(),
                config.spinWait(), new BatchingOptions(b.enabled(), b.maxBatch(), b.prefillChunk()), decodeStats);
        this.registry = new ModelRegistry(config.model(),
                new ModelLoader(source, factory, options, new VersionValidator()), metrics);
    }

    void start(@Observes StartupEvent e) {
        LOG.infof("serving model '%s' from store %s (cuda %s, scan every %s, batching %s)", config.model(),
                config.storeRoot(), config.cuda(), config.scanInterval(),
                config.batching().enabled() ? "up to " + config.batching().maxBatch() + " sequences" : "off");
        reloader.execute(this::initialLoad);
        long every = config.scanInterval().toMillis();
        if (every > 0) {
            reloader.scheduleWithFixedDelay(this::scan, every, every, TimeUnit.MILLISECONDS);
        }
    }

    void stop(@Observes ShutdownEvent e) {
        reloader.shutdownNow();
        registry.close();
    }

    private void initialLoad() {
        try {
            if (!registry.loadNewestServable("startup")) {
                LOG.warnf("no servable version of '%s' at startup; waiting for an event or a scan", config.model());
            }
        } catch (RuntimeException ex) {
            LOG.errorf(ex, "startup load of '%s' failed", config.model());
        }
    }

    private void scan() {
        try {
            registry.scan("scan");
        } catch (RuntimeException ex) {
            LOG.errorf(ex, "store scan for '%s' failed", config.model());
        }
    }

    /** The registry for a request's model field: "name" or "name:version" of the served version. */
    public ModelRegistry registry(String requested) {
        String name = requested;
        String version = null;
        int colon = requested.lastIndexOf(':');
        if (colon > 0) {
            name = requested.substring(0, colon);
            version = requested.substring(colon + 1);
        }
        if (!name.equals(config.model())) {
            throw new UnknownModelException("model '" + requested + "' is not served here (serving '"
                    + config.model() + "')");
        }
        if (version != null) {
            int v = registry.current().map(ModelHandle::version).orElse(-1);
            if (!version.equals(Integer.toString(v))) {
                throw new UnknownModelException("version " + version + " of '" + name + "' is not served (serving "
                        + (v < 0 ? "none" : v) + ")");
            }
        }
        return registry;
    }

    public ModelRegistry registry() {
        return registry;
    }

    /** What the decode schedulers of this service's versions are doing. */
    public DecodeStats decodeStats() {
        return decodeStats;
    }

    public VersionSource source() {
        return source;
    }

    /** An announced version: replays of old announcements resolve to the store's latest. */
    public CompletableFuture<Boolean> announce(int version, String trigger) {
        return CompletableFuture.supplyAsync(() -> {
            OptionalInt latest = source.latest(config.model());
            int target = latest.isPresent() ? Math.max(version, latest.getAsInt()) : version;
            return registry.offer(target, trigger);
        }, reloader);
    }

    public CompletableFuture<ModelHandle> rollback() {
        return CompletableFuture.supplyAsync(registry::rollback, reloader);
    }

    public CompletableFuture<Boolean> scanNow() {
        return CompletableFuture.supplyAsync(() -> registry.scan("scan"), reloader);
    }
}
