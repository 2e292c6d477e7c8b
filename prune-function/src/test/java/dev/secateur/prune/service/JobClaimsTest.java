package dev.secateur.prune.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Claims in a real folder, owners as separate {@link JobClaims} instances (one per replica), a settable clock. */
class JobClaimsTest {

    @TempDir
    Path store;

    /** A clock the test moves, shared by the "replicas" so lease expiry is exact. */
    static final class TestClock extends Clock {
        volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    final TestClock clock = new TestClock();

    JobClaims replica(String name) {
        return new JobClaims(store, new JobClaims.Settings(name, Duration.ofSeconds(60), Duration.ofSeconds(15)), clock);
    }

    @Test
    void oneOfManyConcurrentClaimantsWins() throws Exception {
        int n = 8;
        List<JobClaims> replicas = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            replicas.add(replica("r" + i));
        }
        CyclicBarrier start = new CyclicBarrier(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Optional<JobClaims.Claim>>> results = new java.util.ArrayList<>();
            for (JobClaims r : replicas) {
                Callable<Optional<JobClaims.Claim>> attempt = () -> {
                    start.await();
                    return r.tryAcquire("job-1");
                };
                results.add(pool.submit(attempt));
            }
            long winners = 0;
            for (Future<Optional<JobClaims.Claim>> f : results) {
                winners += f.get().isPresent() ? 1 : 0;
            }
            assertEquals(1, winners);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aLiveClaimIsRespectedAnExpiredOneTakenOverAndTheOldOwnerLearnsIt() {
        JobClaims a = replica("a");
        JobClaims b = replica("b");
        JobClaims.Claim first = a.tryAcquire("job-2").orElseThrow();
        assertEquals(Optional.of("a"), b.holder("job-2"));
        assertTrue(b.tryAcquire("job-2").isEmpty());
        assertEquals(Optional.of(first), a.tryAcquire("job-2"), "the holder asking again keeps its claim");

        clock.advance(Duration.ofSeconds(45));
        assertTrue(a.renew(first));
        clock.advance(Duration.ofSeconds(45)); // 90 s after the claim, 45 after the renewal
        assertTrue(b.tryAcquire("job-2").isEmpty(), "a renewed lease holds");

        clock.advance(Duration.ofSeconds(16)); // a stopped renewing: its lease ran out
        JobClaims.Claim second = b.tryAcquire("job-2").orElseThrow();
        assertEquals(2, second.generation());
        assertFalse(a.holds(first));
        assertFalse(a.renew(first), "the old owner finds out at its next heartbeat");
        assertTrue(b.holds(second));
        assertTrue(a.tryAcquire("job-2").isEmpty());
    }

    @Test
    void aReleasedClaimIsFreeAtOnce() {
        JobClaims a = replica("a");
        JobClaims b = replica("b");
        JobClaims.Claim claim = a.tryAcquire("job-3").orElseThrow();
        a.release(claim);
        assertTrue(b.holder("job-3").isEmpty());
        JobClaims.Claim next = b.tryAcquire("job-3").orElseThrow();
        b.release(next);
        assertEquals(List.of("job-3.2.claim"), list(), "older generations go when a claim is released");
    }

    @Test
    void aClaimFileCreatedButNotYetWrittenCountsAsTaken() throws Exception {
        JobClaims b = replica("b");
        Files.createFile(store.resolve(JobClaims.DIR).resolve("job-4.1.claim"));
        assertTrue(b.tryAcquire("job-4").isEmpty());
    }

    private List<String> list() {
        try (var s = Files.list(store.resolve(JobClaims.DIR))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
