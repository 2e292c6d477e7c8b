package dev.secateur.prune.service;

import dev.secateur.prune.config.CalibrationDefaults;
import dev.secateur.prune.config.InputRoots;
import dev.secateur.prune.config.JobsConfig;
import dev.secateur.prune.config.ReplicaConfig;
import dev.secateur.prune.config.ServiceConfig;
import dev.secateur.prune.job.PipelineJobRunner;
import dev.secateur.prune.job.PruneJobRunner;
import dev.secateur.prune.metrics.PruneMetrics;
import dev.secateur.store.ModelStore;
import io.quarkus.arc.DefaultBean;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.file.Path;

/** Wires the plain-Java job core from configuration (application.properties documents every key). */
@ApplicationScoped
public class ServiceBeans {

    private static final Logger LOG = Logger.getLogger(ServiceBeans.class);

    @Inject
    ServiceConfig.Store store;
    @Inject
    ServiceConfig.Device device;
    @Inject
    ServiceConfig.Events events;
    @Inject
    JobsConfig jobs;
    @Inject
    InputRoots.Sources sourceRoots;
    @Inject
    InputRoots.Data dataRoots;
    @Inject
    ReplicaConfig replicas;
    @Inject
    CalibrationDefaults calibration;

    /** The one engine, decoders and encoders alike; tests may replace it with another {@link PruneJobRunner} bean. */
    @Produces
    @DefaultBean
    @ApplicationScoped
    PruneJobRunner runner() {
        return new PipelineJobRunner();
    }

    @Produces
    @ApplicationScoped
    PruneJobService service(PruneJobRunner runner, KafkaEventPublisher publisher, PruneMetrics metrics) {
        Path root = store.root();
        JobClaims.Settings claims = new JobClaims.Settings(replicas.id().orElseGet(JobClaims.Settings::defaultOwner),
                replicas.lease(), replicas.heartbeat());
        PruneJobService.Settings settings = new PruneJobService.Settings(jobs.workers(), jobs.maxPending(), device.name(),
                events.source(), sourceRoots.roots(), dataRoots.roots(),
                new RequestDefaults(calibration.text().orElse(null), calibration.samples().orElse(null), calibration.seqLen().orElse(null)),
                jobs.progressInterval(), claims);
        LOG.infof("prune service: store %s, %d worker(s), engine %s, device %s, replica %s; checkpoints from %s, texts from %s",
                root.toAbsolutePath(), jobs.workers(), runner.name(), device.name(), claims.owner(),
                settings.sourceRoots(), settings.dataRoots());
        PruneJobService service = new PruneJobService(new ModelStore(root), runner, publisher, settings, metrics);
        metrics.watch(service);
        return service;
    }

    void close(@Disposes PruneJobService service) {
        service.close();
    }

    @Inject
    jakarta.enterprise.inject.Instance<PruneJobService> serviceInstance;

    /** Jobs a crashed or stopped process left behind run again, before new requests arrive. */
    void onStart(@Observes StartupEvent event) {
        if (jobs.resumeOnStart()) {
            int n = serviceInstance.get().recover();
            if (n > 0) {
                LOG.infof("resumed %d unfinished job(s) from the journal", n);
            }
        }
    }
}
