package dev.secateur.prune.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.json.Json;
import dev.secateur.store.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import org.jboss.logging.Logger;

/**
 * Which replica runs a job, decided in the store every replica shares, so a request runs at most once per
 * store however many replicas receive it. A claim is a file {@code <root>/.claims/<jobId>.<generation>.claim};
 * the highest generation is the claim. Taking a job means creating the next generation's file with
 * {@code CREATE_NEW}, which the file system grants to exactly one creator, and is allowed only when there is no
 * claim yet or the current one was released or its lease ran out (its owner stopped renewing: it died or
 * hangs). Owners renew their lease while they hold the job; an owner that finds a higher generation than its
 * own has lost the job and must not publish anything for it.
 *
 * <p>Leases compare the owner's clock (it writes the expiry) with the reader's: keep replicas' clocks within a
 * small fraction of the lease.
 */
public final class JobClaims {

    public static final String DIR = ".claims";
    private static final String SUFFIX = ".claim";
    private static final Logger LOG = Logger.getLogger(JobClaims.class);

    /**
     * @param owner     who claims: unique per process (a restarted process is a new owner)
     * @param lease     how long a claim stays valid without renewal
     * @param heartbeat how often a holder renews; well under the lease
     */
    public record Settings(String owner, Duration lease, Duration heartbeat) {

        public Settings {
            if (lease.compareTo(heartbeat.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException("claim lease " + lease + " must be at least twice the heartbeat " + heartbeat);
            }
        }

        public static Settings defaults() {
            return new Settings(defaultOwner(), Duration.ofSeconds(60), Duration.ofSeconds(15));
        }

        /** Host name (the pod name in Kubernetes) plus a per-process suffix. */
        public static String defaultOwner() {
            String host = System.getenv().getOrDefault("HOSTNAME", "local");
            return host + "-" + UUID.randomUUID().toString().substring(0, 8);
        }
    }

    /** A job held by this process. */
    public record Claim(String jobId, int generation, String owner) {
    }

    /** The claim file's content. */
    record Lease(String owner, int generation, Instant expires, boolean released) {
    }

    private final Path dir;
    private final Settings settings;
    private final Clock clock;
    private final ObjectMapper json = Json.mapper();

    public JobClaims(Path storeRoot, Settings settings, Clock clock) {
        this.dir = storeRoot.resolve(DIR);
        this.settings = settings;
        this.clock = clock;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the claims folder " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Takes the job unless another owner's claim is live; empty means someone else runs it. */
    public Optional<Claim> tryAcquire(String jobId) {
        // A lost race (two takeovers of one expired claim) is retried once against the winner's fresh claim.
        for (int round = 0; round < 3; round++) {
            int top = highestGeneration(jobId);
            if (top > 0) {
                Lease current = read(jobId, top);
                if (current.owner().equals(settings.owner()) && !current.released()) {
                    return Optional.of(new Claim(jobId, top, settings.owner()));
                }
                if (!current.released() && current.expires().isAfter(clock.instant())) {
                    return Optional.empty();
                }
                LOG.infof("job %s: taking over claim generation %d of %s (%s)", jobId, top, current.owner(),
                        current.released() ? "released" : "lease expired " + current.expires());
            }
            int next = top + 1;
            Lease mine = new Lease(settings.owner(), next, clock.instant().plus(settings.lease()), false);
            try {
                Files.write(file(jobId, next), json.writeValueAsBytes(mine), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE, StandardOpenOption.SYNC);
            } catch (FileAlreadyExistsException e) {
                continue;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot claim job " + jobId + ": " + e.getMessage(), e);
            }
            // Someone who listed before our create may have gone two generations up meanwhile.
            if (highestGeneration(jobId) != next) {
                return Optional.empty();
            }
            return Optional.of(new Claim(jobId, next, settings.owner()));
        }
        return Optional.empty();
    }

    /** True while {@code claim} is still the job's claim. */
    public boolean holds(Claim claim) {
        return highestGeneration(claim.jobId()) == claim.generation()
                && read(claim.jobId(), claim.generation()).owner().equals(claim.owner());
    }

    /** Extends the lease; false when the job was taken over (the caller must stop working on it). */
    public boolean renew(Claim claim) {
        if (!holds(claim)) {
            return false;
        }
        write(claim, new Lease(claim.owner(), claim.generation(), clock.instant().plus(settings.lease()), false));
        return true;
    }

    /** Hands the job back: another replica may claim it at once (used when done, and at shutdown). */
    public void release(Claim claim) {
        if (holds(claim)) {
            write(claim, new Lease(claim.owner(), claim.generation(), clock.instant(), true));
            deleteOlderThan(claim);
        }
    }

    /** Who holds the job now, for logs and the duplicate answer; empty when nobody does. */
    public Optional<String> holder(String jobId) {
        int top = highestGeneration(jobId);
        if (top == 0) {
            return Optional.empty();
        }
        Lease l = read(jobId, top);
        return l.released() || !l.expires().isAfter(clock.instant()) ? Optional.empty() : Optional.of(l.owner());
    }

    private void write(Claim claim, Lease lease) {
        try {
            AtomicFiles.writeAtomically(file(claim.jobId(), claim.generation()), json.writeValueAsBytes(lease));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the claim of job " + claim.jobId() + ": " + e.getMessage(), e);
        }
    }

    private Lease read(String jobId, int generation) {
        Path f = file(jobId, generation);
        try {
            return json.readValue(Files.readAllBytes(f), Lease.class);
        } catch (NoSuchFileException e) {
            return new Lease("", generation, Instant.EPOCH, true); // deleted by its owner's release: free
        } catch (IOException e) {
            // Created but not written yet (or torn): treat it as freshly taken, expiring a lease after its mtime.
            try {
                return new Lease("?", generation, Files.getLastModifiedTime(f).toInstant().plus(settings.lease()), false);
            } catch (IOException gone) {
                return new Lease("", generation, Instant.EPOCH, true);
            }
        }
    }

    private int highestGeneration(String jobId) {
        int top = 0;
        String prefix = jobId + ".";
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, prefix + "*" + SUFFIX)) {
            for (Path f : files) {
                top = Math.max(top, generationOf(f.getFileName().toString(), prefix));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list claims in " + dir + ": " + e.getMessage(), e);
        }
        return top;
    }

    private static int generationOf(String fileName, String prefix) {
        String middle = fileName.substring(prefix.length(), fileName.length() - SUFFIX.length());
        try {
            return middle.chars().allMatch(Character::isDigit) ? Integer.parseInt(middle) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void deleteOlderThan(Claim claim) {
        for (int g = claim.generation() - 1; g >= 1; g--) {
            try {
                Files.deleteIfExists(file(claim.jobId(), g));
            } catch (IOException e) {
                LOG.debugf("could not delete old claim %s.%d: %s", claim.jobId(), g, e.getMessage());
            }
        }
    }

    private Path file(String jobId, int generation) {
        if (!JobJournal.validJobId(jobId)) {
            throw new IllegalArgumentException("invalid job id '" + jobId + "'");
        }
        return dir.resolve(jobId + "." + generation + SUFFIX);
    }
}
