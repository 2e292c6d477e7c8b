package dev.secateur.prune.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.events.EventTypes;
import dev.secateur.events.PruneRequest;
import dev.secateur.prune.job.PipelineJobRunner;
import dev.secateur.store.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two instances of the job core on one store, as two replicas on one volume: the real runner and store,
 * events collected per replica. SecurityAndReplicasTest does the same over real HTTP and Kafka.
 */
class ReplicasOnOneStoreTest {

    @TempDir
    Path root;

    static PruneJobService.Settings settings(String replica, Duration lease) {
        PruneJobService.Settings s = PruneJobServiceTest.settings();
        return new PruneJobService.Settings(s.workers(), s.maxPending(), s.device(), s.eventSource(), s.sourceRoots(),
                s.dataRoots(), s.defaults(), s.progressInterval(), new JobClaims.Settings(replica, lease, lease.dividedBy(4)));
    }

    @Test
    void theSameRequestAtTwoReplicasRunsOnce() throws Exception {
        PruneJobServiceTest.Events eventsA = new PruneJobServiceTest.Events(0);
        PruneJobServiceTest.Events eventsB = new PruneJobServiceTest.Events(0);
        Duration lease = Duration.ofSeconds(60);
        try (PruneJobService a = new PruneJobService(new ModelStore(root), new PipelineJobRunner(), eventsA, settings("a", lease));
             PruneJobService b = new PruneJobService(new ModelStore(root), new PipelineJobRunner(), eventsB, settings("b", lease))) {
            IncomingRequest request = PruneJobServiceTest.request("twice-1", PruneServiceTest.request("twice"));
            CompletableFuture<PruneJobService.Submission> atA = CompletableFuture.supplyAsync(() -> a.submit(request));
            CompletableFuture<PruneJobService.Submission> atB = CompletableFuture.supplyAsync(() -> b.submit(request));
            PruneJobService.Submission sa = atA.get(30, TimeUnit.SECONDS);
            PruneJobService.Submission sb = atB.get(30, TimeUnit.SECONDS);
            assertTrue(sa.duplicate() != sb.duplicate(), "exactly one replica reports a duplicate: " + sa + " / " + sb);
            PruneJobService.Submission winner = sa.duplicate() ? sb : sa;
            assertEquals(JobState.COMPLETED, winner.done().toCompletableFuture().get(60, TimeUnit.SECONDS).state());
            (sa.duplicate() ? sa : sb).done().toCompletableFuture().get(5, TimeUnit.SECONDS); // answered, not left hanging

            assertEquals(1, eventsA.count(EventTypes.PRUNE_COMPLETED) + eventsB.count(EventTypes.PRUNE_COMPLETED));
            assertEquals(1, eventsA.count(EventTypes.PRUNE_STARTED) + eventsB.count(EventTypes.PRUNE_STARTED), "ran once");
            assertEquals(List.of(1), a.store().versions("twice"));

            // Later deliveries of the same request, to either replica, change nothing.
            assertTrue(a.submit(request).duplicate());
            assertTrue(b.submit(request).duplicate());
            assertEquals(List.of(1), a.store().versions("twice"));
        }
    }

    @Test
    void aJobWhoseReplicaDiedIsAdoptedOnceItsLeaseRunsOut() throws Exception {
        Duration lease = Duration.ofSeconds(2);
        // What a replica killed mid-job leaves: a claim it no longer renews, a running journal entry, no event.
        String jobId = JobIds.of(PruneServiceTest.SOURCE, "orphan-1");
        JobClaims dead = new JobClaims(root, new JobClaims.Settings("dead", lease, lease.dividedBy(4)), java.time.Clock.systemUTC());
        dead.tryAcquire(jobId).orElseThrow();
        JsonNode request = PruneRequest.parseValid(PruneServiceTest.request("orphan")).toJson();
        new JobJournal(root).write(JobRecord.queued(jobId, "orphan-1", PruneServiceTest.SOURCE, "orphan", request).running());

        PruneJobServiceTest.Events events = new PruneJobServiceTest.Events(0);
        try (PruneJobService b = new PruneJobService(new ModelStore(root), new PipelineJobRunner(), events, settings("b", lease))) {
            assertEquals(0, b.recover(), "the claim is still live at first");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (events.count(EventTypes.PRUNE_COMPLETED) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(1, events.count(EventTypes.PRUNE_COMPLETED), "adopted by the sweep and completed");
            assertEquals(List.of(1), b.store().versions("orphan"));
            assertEquals(2, b.journal().read(jobId).orElseThrow().attempts());
        }
    }
}
