package dev.secateur.prune.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.events.CloudEvent;
import dev.secateur.events.EventTypes;
import dev.secateur.prune.job.PipelineJobRunner;
import dev.secateur.store.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job core without Quarkus or Kafka: the real runner and store, events collected in memory. Also the
 * in-process baseline for the service's latency (what a CLI run of the same prune costs).
 */
class PruneJobServiceTest {

    @TempDir
    Path root;

    /** Collects events; fails the first {@code failures} outcome publishes, as a broker that is away would. */
    static final class Events implements EventPublisher {
        final List<CloudEvent> published = new CopyOnWriteArrayList<>();
        final AtomicInteger outcomeFailures;

        Events(int failures) {
            outcomeFailures = new AtomicInteger(failures);
        }

        @Override
        public CompletionStage<Void> publish(CloudEvent event, String key) {
            boolean outcome = !event.type().equals(EventTypes.PRUNE_STARTED) && !event.type().equals(EventTypes.PRUNE_PROGRESS);
            if (outcome && outcomeFailures.getAndDecrement() > 0) {
                return CompletableFuture.failedFuture(new IllegalStateException("broker unavailable"));
            }
            published.add(event);
            return CompletableFuture.completedFuture(null);
        }

        long count(String type) {
            return published.stream().filter(e -> e.type().equals(type)).count();
        }
    }

    static IncomingRequest request(String id, ObjectNode data) {
        CloudEvent ev = new CloudEvent(id, PruneServiceTest.SOURCE, EventTypes.PRUNE_REQUESTED, "1.0", Instant.now(), null, null, null);
        return new IncomingRequest(ev, data.toString().getBytes(StandardCharsets.UTF_8));
    }

    static PruneJobService.Settings settings() {
        return new PruneJobService.Settings(1, 2, "cpu", "/test", List.of(PruneServiceTest.FIXTURE.getParent()),
                List.of(PruneServiceTest.TEXT.getParent()), RequestDefaults.NONE, Duration.ZERO, null);
    }

    @Test
    void runsAJobAndTimesItWithoutTransport() throws Exception {
        Events events = new Events(0);
        try (PruneJobService service = new PruneJobService(new ModelStore(root), new PipelineJobRunner(), events, settings())) {
            long t0 = System.nanoTime();
            JobRecord done = service.submit(request("core-1", PruneServiceTest.request("core"))).done()
                    .toCompletableFuture().get(60, TimeUnit.SECONDS);
            System.out.printf("TIMING in-process (no Kafka/HTTP) request -> completed: %.0f ms%n", (System.nanoTime() - t0) / 1e6);
            assertEquals(JobState.COMPLETED, done.state());
            assertTrue(done.outcomePublished());
            assertEquals(1, events.count(EventTypes.PRUNE_COMPLETED));
            service.store().verify("core", 1);
            // a second, warm run: what a long-running service pays per request once loaded
            long t1 = System.nanoTime();
            service.submit(request("core-2", PruneServiceTest.request("core"))).done().toCompletableFuture().get(60, TimeUnit.SECONDS);
            System.out.printf("TIMING in-process warm run: %.0f ms%n", (System.nanoTime() - t1) / 1e6);
            assertEquals(List.of(1, 2), service.store().versions("core"));
        }
    }

    @Test
    void anOutcomeThatCannotBePublishedIsRetriedAndOnlyThenDone() throws Exception {
        Events events = new Events(2);
        try (PruneJobService service = new PruneJobService(new ModelStore(root), new PipelineJobRunner(), events, settings())) {
            PruneJobService.Submission s = service.submit(request("retry-1", PruneServiceTest.request("retry")));
            JobRecord done = s.done().toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertTrue(done.outcomePublished());
            assertEquals(1, events.count(EventTypes.PRUNE_COMPLETED));
            assertTrue(service.journal().read(s.jobId()).orElseThrow().outcomePublished());
        }
    }

    @Test
    void anOutcomeRecordedButNotPublishedIsSentAfterRestartWithoutRerunning() throws Exception {
        String jobId;
        Events first = new Events(Integer.MAX_VALUE); // the broker never takes the outcome: the process "dies"
        try (PruneJobService service = new PruneJobService(new ModelStore(root), new PipelineJobRunner(), first, settings())) {
            jobId = service.submit(request("restart-1", PruneServiceTest.request("restart"))).jobId();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (service.journal().read(jobId).map(r -> !r.state().terminal()).orElse(true) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }
        assertFalse(new JobJournal(root).read(jobId).orElseThrow().outcomePublished());
        Events second = new Events(0);
        try (PruneJobService service = new PruneJobService(new ModelStore(root), new PipelineJobRunner(), second, settings())) {
            assertEquals(1, service.recover());
            PruneJobService.Submission again = service.submit(request("restart-1", PruneServiceTest.request("restart")));
            assertTrue(again.duplicate());
            assertEquals(JobState.COMPLETED, again.done().toCompletableFuture().get(60, TimeUnit.SECONDS).state());
            assertEquals(1, second.count(EventTypes.PRUNE_COMPLETED));
            assertEquals(0, second.count(EventTypes.PRUNE_STARTED), "not run again");
            assertEquals(List.of(1), service.store().versions("restart"));
        }
    }

    @Test
    void loadSaysWhenTheWorkersAndQueueAreFull() throws Exception {
        PruneJobService.Settings one = new PruneJobService.Settings(1, 1, "cpu", "/test", settings().sourceRoots(),
                settings().dataRoots(), RequestDefaults.NONE, Duration.ZERO, null);
        try (PruneJobService service = new PruneJobService(new ModelStore(root), new PipelineJobRunner(), new Events(0), one)) {
            assertFalse(service.load().saturated());
            PruneJobService.Submission s = service.submit(request("load-1", PruneServiceTest.request("load")));
            PruneJobService.Load busy = service.load(); // a prune takes far longer than this line
            assertEquals(1, busy.running() + busy.queued());
            assertTrue(busy.saturated(), busy.toString());
            assertFalse(service.whenAccepting().toCompletableFuture().isDone(), "Kafka intake waits");
            s.done().toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertFalse(service.load().saturated());
        }
    }
}
