package dev.secateur.serve.health;

import dev.secateur.serve.model.ModelHandle;
import dev.secateur.serve.model.ModelRegistry;
import dev.secateur.serve.model.ModelService;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** /q/health/ready is UP only once a version is loaded. */
@Readiness
@ApplicationScoped
public class ModelReadiness implements HealthCheck {

    private final ModelService models;

    public ModelReadiness(ModelService models) {
        this.models = models;
    }

    @Override
    public HealthCheckResponse call() {
        ModelRegistry registry = models.registry();
        HealthCheckResponseBuilder b = HealthCheckResponse.named("model " + registry.name());
        ModelHandle h = registry.current().orElse(null);
        if (h == null) {
            b.down();
            registry.lastError().ifPresent(e -> b.withData("last_error", e.message()));
            return b.build();
        }
        return b.up().withData("version", h.version()).withData("provider", h.model().engine().provider()).build();
    }
}
