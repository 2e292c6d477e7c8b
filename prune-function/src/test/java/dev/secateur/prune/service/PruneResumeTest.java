package dev.secateur.prune.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.events.EventTypes;
import dev.secateur.events.PruneRequest;
import dev.secateur.store.ModelStore;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.secateur.prune.service.PruneServiceTest.FIXTURE;
import static dev.secateur.prune.service.PruneServiceTest.SOURCE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash recovery: the store starts with what a killed process left behind, and this process must finish
 * that work exactly once.
 * <ul>
 *   <li>job A: journalled "running", nothing published, half-written scratch files: it runs again;</li>
 *   <li>job B: journalled "running", but its version was published just before the crash: the version is
 *       reused (no second version) and its completed event is sent.</li>
 * </ul>
 * Then request A arrives again from Kafka (its offset was never committed) and changes nothing.
 */
@QuarkusTest
@TestProfile(PruneResumeTest.Profile.class)
class PruneResumeTest {

    static final String ID_A = "resume-a";
    static final String ID_B = "resume-b";
    static final String JOB_A = JobIds.of(SOURCE, ID_A);
    static final String JOB_B = JobIds.of(SOURCE, ID_B);

    public static class Profile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KafkaBrokerResource.class), new TestResourceEntry(CrashedStore.class));
        }
    }

    /** What the previous process left: two running journal entries, one published version, scratch files. */
    public static class CrashedStore extends TestStoreResource {
        @Override
        protected void seed(Path root) throws IOException {
            JobJournal journal = new JobJournal(root);
            JsonNode a = PruneRequest.parseValid(PruneServiceTest.request("gqa-resumed")).toJson();
            journal.write(JobRecord.queued(JOB_A, ID_A, SOURCE, "gqa-resumed", a).running().progress("plan", 40, "layer 1/2"));
            Path scratch = Files.createDirectories(root.resolve(AttemptFolder.WORK_DIR).resolve(JOB_A));
            Files.writeString(scratch.resolve("model.safetensors"), "half written");

            JsonNode b = PruneRequest.parseValid(PruneServiceTest.request("gqa-resumed-b")).toJson();
            journal.write(JobRecord.queued(JOB_B, ID_B, SOURCE, "gqa-resumed-b", b).running().progress("publish", 95, null));
            new ModelStore(root).publish("gqa-resumed-b", FIXTURE, Map.of(VersionPublisher.META_JOB_ID, JOB_B));
        }
    }

    static EventLog log;

    @Inject
    PruneJobService service;

    @BeforeAll
    static void start() {
        log = new EventLog(KafkaBrokerResource.bootstrapServers());
    }

    @AfterAll
    static void stop() throws Exception {
        log.close();
    }

    @Test
    void interruptedJobsCompleteExactlyOnce() {
        PruneServiceTest.log = log; // reuse the helpers, against this profile's broker
        JsonNode a = PruneServiceTest.awaitOutcome(JOB_A, EventTypes.PRUNE_COMPLETED).event().data();
        JsonNode b = PruneServiceTest.awaitOutcome(JOB_B, EventTypes.PRUNE_COMPLETED).event().data();
        ModelStore store = service.store();

        assertEquals(List.of(1), store.versions("gqa-resumed"));
        assertEquals(JOB_A, store.verify("gqa-resumed", 1).metadata().get("jobId"));
        assertEquals(1, a.get("version").asInt());
        assertEquals(2, service.job(JOB_A).orElseThrow().attempts(), "second attempt after the crash");
        assertFalse(Files.exists(store.root().resolve(AttemptFolder.WORK_DIR).resolve(JOB_A)), "scratch cleaned");

        assertEquals(List.of(1), store.versions("gqa-resumed-b"), "the version published before the crash is reused");
        assertEquals(1, b.get("version").asInt());
        assertEquals(store.manifestSha256("gqa-resumed-b", 1), b.get("manifestSha256").asText());

        // The request whose offset was never committed comes back from Kafka.
        int before = log.forJob(JOB_A).size();
        PruneServiceTest.sendBinary(ID_A, PruneServiceTest.request("gqa-resumed"));
        String barrier = PruneServiceTest.sendBinary(PruneServiceTest.id("barrier"), PruneServiceTest.request("gqa-resume-barrier"));
        PruneServiceTest.awaitOutcome(barrier, EventTypes.PRUNE_COMPLETED);
        assertEquals(before, log.forJob(JOB_A).size());
        assertEquals(1, log.forJob(JOB_A, EventTypes.PRUNE_COMPLETED).size());
        assertEquals(1, log.forJob(JOB_B, EventTypes.PRUNE_COMPLETED).size());
        assertEquals(List.of(1), store.versions("gqa-resumed"));
        assertTrue(service.job(JOB_B).orElseThrow().outcomePublished());
    }
}
