package dev.secateur.prune.health;

import dev.secateur.prune.service.PruneJobService;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready while the worker pool and its queue are full (secateur.jobs.max-pending): a router then sends new
 * requests to another replica, and a KafkaSource retries later, instead of piling them onto this one.
 */
@Readiness
@ApplicationScoped
public class WorkerPoolReadiness implements HealthCheck {

    private final PruneJobService service;

    public WorkerPoolReadiness(PruneJobService service) {
        this.service = service;
    }

    @Override
    public HealthCheckResponse call() {
        PruneJobService.Load load = service.load();
        return HealthCheckResponse.named("prune-workers").status(!load.saturated())
                .withData("workers", load.workers()).withData("running", load.running())
                .withData("queued", load.queued()).withData("maxPending", load.maxPending())
                .withData("saturated", load.saturated()).build();
    }
}
