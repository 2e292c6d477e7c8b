package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.serve.metrics.ServeMetrics;
import dev.secateur.serve.metrics.VersionStats;
import dev.secateur.serve.model.ModelHandle;
import dev.secateur.serve.model.ModelRegistry;
import dev.secateur.serve.model.ModelService;
import dev.secateur.serve.model.SwapError;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/** GET /v1/models (what is served, on which provider, last failed swap) and the before/after report. */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

    private static final long STARTED = java.time.Instant.now().getEpochSecond();

    @Inject
    ModelService models;
    @Inject
    ServeMetrics metrics;

    @GET
    public Map<String, Object> list() {
        return Map.of("object", "list", "data", List.of(describe(models.registry())));
    }

    @GET
    @Path("/{name}")
    public Map<String, Object> get(@PathParam("name") String name) {
        return describe(models.registry(name));
    }

    /** The current version's report.json beside the previous version's, with what each measured here. */
    @GET
    @Path("/{name}/report")
    public Map<String, Object> report(@PathParam("name") String name) {
        ModelRegistry registry = models.registry(name);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", registry.name());
        int current = registry.current().map(ModelHandle::version).orElse(-1);
        out.put("current", current < 0 ? null : side(registry.name(), current));
        OptionalInt previous = registry.previousVersion();
        if (previous.isEmpty() && current > 1) {
            // Nothing served before this process started: compare with the store's version below.
            previous = OptionalInt.of(current - 1);
        }
        out.put("previous", previous.isEmpty() ? null : side(registry.name(), previous.getAsInt()));
        return out;
    }

    private Map<String, Object> side(String name, int version) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", version);
        JsonNode report;
        try {
            report = models.source().report(name, version).orElse(null);
        } catch (RuntimeException e) {
            report = null;
        }
        m.put("report", report);
        VersionStats.Snapshot s = metrics.stats(version).snapshot();
        Map<String, Object> served = new LinkedHashMap<>();
        served.put("requests", s.requests());
        served.put("completion_tokens", s.completionTokens());
        served.put("latency_p50_ms", s.latencyP50Ms());
        served.put("latency_p95_ms", s.latencyP95Ms());
        served.put("tokens_per_second", s.tokensPerSecond());
        served.put("mean_ttft_ms", s.meanTtftMs());
        m.put("served", served);
        return m;
    }

    private Map<String, Object> describe(ModelRegistry registry) {
        Map<String, Object> m = new LinkedHashMap<>();
        ModelHandle h = registry.current().orElse(null);
        m.put("id", registry.name());
        m.put("object", "model");
        // OpenAI's SDKs require created: when the served version was loaded, else when this server started.
        m.put("created", h == null ? STARTED : h.loadedAt().getEpochSecond());
        m.put("owned_by", "secateur");
        m.put("ready", h != null);
        m.put("version", h == null ? null : h.version());
        m.put("served_as", h == null ? null : h.id());
        m.put("provider", h == null ? null : h.model().engine().provider());
        m.put("max_positions", h == null ? null : h.model().engine().maxPositions());
        m.put("vocab_size", h == null ? null : h.model().engine().vocabSize());
        m.put("metadata", h == null ? null : h.model().engine().metadata());
        m.put("previous_versions", registry.history());
        SwapError e = registry.lastError().orElse(null);
        m.put("last_error", e == null ? null : Map.of("version", e.version(), "trigger", e.trigger(),
                "message", e.message(), "at", e.at().toString()));
        return m;
    }
}
