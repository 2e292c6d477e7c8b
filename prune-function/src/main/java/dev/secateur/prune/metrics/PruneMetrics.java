package dev.secateur.prune.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.prune.service.JobObserver;
import dev.secateur.prune.service.JobRecord;
import dev.secateur.prune.service.JobState;
import dev.secateur.prune.service.PruneJobService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The prune service's Micrometer meters, at /q/metrics:
 * <ul>
 *   <li>{@code secateur_prune_jobs_total{state}}: jobs entering each state, plus {@code state="duplicate"} for
 *       requests another job (here or on another replica) already covers;</li>
 *   <li>{@code secateur_prune_phase_seconds{phase}}: how long each pipeline phase took;</li>
 *   <li>{@code secateur_prune_queue_depth}, {@code secateur_prune_jobs_running}: this replica's load now;</li>
 *   <li>{@code secateur_prune_failures_total{reason}}: failed jobs by the request field blamed or the error type.</li>
 * </ul>
 */
@ApplicationScoped
public class PruneMetrics implements JobObserver {

    /** Failure reasons come from field names and exception types; cap them so a metric label stays bounded. */
    private static final int MAX_REASONS = 64;

    private final MeterRegistry registry;
    private final Set<String> reasons = ConcurrentHashMap.newKeySet();
    private final AtomicReference<PruneJobService> service = new AtomicReference<>();

    public PruneMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (JobState s : JobState.values()) {
            jobs(s.name());
        }
        jobs("duplicate");
        // The gauges read the service through a strongly held reference: a gauge on a weakly held object
        // drops out of /q/metrics once it is collected.
        Gauge.builder("secateur.prune.queue.depth", service, r -> r.get() == null ? 0 : r.get().load().queued())
                .description("jobs accepted and waiting for a worker").register(registry);
        Gauge.builder("secateur.prune.jobs.running", service, r -> r.get() == null ? 0 : r.get().load().running())
                .description("jobs on a worker now").register(registry);
    }

    public void watch(PruneJobService jobs) {
        service.set(jobs);
    }

    @Override
    public void entered(JobState state) {
        jobs(state.name()).increment();
    }

    @Override
    public void duplicate() {
        jobs("duplicate").increment();
    }

    @Override
    public void failed(JobRecord job) {
        String reason = reason(job);
        String label = reasons.size() < MAX_REASONS || reasons.contains(reason) ? reason : "other";
        reasons.add(label);
        Counter.builder("secateur.prune.failures").tag("reason", label).description("failed jobs by reason")
                .register(registry).increment();
    }

    @Override
    public void phaseEnded(String phase, Duration took) {
        Timer.builder("secateur.prune.phase").tag("phase", phase).description("time spent in each pipeline phase")
                .register(registry).record(took);
    }

    /** The failed outcome's field, or the error's type before its message: a bounded set, fit for a label. */
    static String reason(JobRecord rec) {
        JsonNode field = rec.outcome() == null ? null : rec.outcome().get("field");
        if (field != null && field.isTextual()) {
            return field.asText();
        }
        String m = rec.message() == null ? "unknown" : rec.message();
        int colon = m.indexOf(':');
        return colon > 0 && m.substring(0, colon).matches("[A-Za-z0-9_$.]+") ? m.substring(0, colon) : "error";
    }

    private Counter jobs(String state) {
        return Counter.builder("secateur.prune.jobs").tag("state", state.toLowerCase(Locale.ROOT))
                .description("jobs entering each state").register(registry);
    }
}
