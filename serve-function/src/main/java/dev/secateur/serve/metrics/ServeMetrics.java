package dev.secateur.serve.metrics;

import dev.secateur.serve.generate.GenerationStats;
import dev.secateur.serve.model.ModelHandle;
import dev.secateur.serve.model.SwapListener;
import dev.secateur.serve.engine.DecodeStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;
import org.jboss.logging.Logger;

/** Prometheus meters (via Micrometer) and the per-version measurements behind the before/after report. */
@ApplicationScoped
public class ServeMetrics implements SwapListener {

    private static final Logger LOG = Logger.getLogger(ServeMetrics.class);

    private final MeterRegistry registry;
    private final AtomicInteger servedVersion = new AtomicInteger();
    private final Map<Integer, VersionStats> byVersion = new ConcurrentHashMap<>();
    private final Counter swaps;
    private final Counter failedSwaps;

    public ServeMetrics(MeterRegistry registry) {
        this.registry = registry;
        // Micrometer gauges hold their state weakly unless told otherwise; a collected one drops out of /q/metrics.
        Gauge.builder("secateur.model.version", servedVersion, AtomicInteger::get).description("served model version")
                .strongReference(true).register(registry);
        swaps = Counter.builder("secateur.model.swaps").description("successful version swaps").register(registry);
        failedSwaps = Counter.builder("secateur.model.swaps.failed")
                .description("versions that failed to load or validate").register(registry);
    }

    public void request(String api, ModelHandle model, GenerationStats s) {
        String version = Integer.toString(model.version());
        Timer.builder("secateur.request.latency").description("end-to-end request latency")
                .tags("api", api, "version", version).publishPercentileHistogram()
                .register(registry).record(Duration.ofNanos(s.totalNanos()));
        if (s.ttftNanos() >= 0) {
            Timer.builder("secateur.request.ttft").description("time to first token")
                    .tags("version", version).publishPercentileHistogram()
                    .register(registry).record(Duration.ofNanos(s.ttftNanos()));
        }
        if (s.completionTokens() > 0 && s.generationNanos() > 0) {
            DistributionSummary.builder("secateur.tokens.per.second").description("generated tokens per second")
                    .tags("version", version).register(registry)
                    .record(s.completionTokens() / (s.generationNanos() / 1e9));
            Counter.builder("secateur.tokens.generated").tags("version", version).register(registry)
                    .increment(s.completionTokens());
        }
        stats(model.version()).record(s.totalNanos(), s.ttftNanos(), s.completionTokens(), s.generationNanos());
    }

    /** Gauges and counters over what the decode schedulers are doing. */
    public void decoding(DecodeStats d) {
        Gauge.builder("secateur.decode.waiting", d, DecodeStats::waiting)
                .description("sequences queued for prefill").strongReference(true).register(registry);
        Gauge.builder("secateur.decode.running", d, DecodeStats::running)
                .description("sequences prefilled and generating").strongReference(true).register(registry);
        counter("steps", d, DecodeStats::steps, "batched decode steps run");
        counter("step.rows", d, DecodeStats::stepRows, "rows over all decode steps (divided by steps: mean batch size)");
        counter("step.seconds", d, DecodeStats::stepSeconds, "time in batched decode steps");
        counter("prefill.seconds", d, DecodeStats::prefillSeconds, "time prefilling prompts");
        counter("regroups", d, DecodeStats::regroups, "times sequences joined or left a batch");
        counter("regroup.seconds", d, DecodeStats::regroupSeconds, "time copying caches when sequences join or leave");
    }

    /** A counter read from the scheduler's running totals, named secateur.decode.{@code name}. */
    private void counter(String name, DecodeStats d, ToDoubleFunction<DecodeStats> total, String description) {
        FunctionCounter.builder("secateur.decode." + name, d, total).description(description).register(registry);
    }

    public void failedRequest(String api, int status) {
        Counter.builder("secateur.request.errors").tags("api", api, "status", Integer.toString(status))
                .register(registry).increment();
    }

    public VersionStats stats(int version) {
        return byVersion.computeIfAbsent(version, v -> new VersionStats());
    }

    @Override
    public void swapped(ModelHandle previous, ModelHandle current, String trigger) {
        servedVersion.set(current.version());
        if (previous != null) {
            swaps.increment();
        }
    }

    @Override
    public void swapFailed(String name, int version, String trigger, String error) {
        failedSwaps.increment();
        LOG.warnf("failed swap of %s to version %d (%s): %s", name, version, trigger, error);
    }
}
