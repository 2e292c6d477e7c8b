package dev.secateur.prune.service;

import java.util.concurrent.CompletableFuture;

import org.jboss.logging.Logger;

/**
 * A job this replica holds, from intake until its outcome is on the broker: its latest record (in memory ahead of
 * the journal while progress comes in), its claim in the store, and the future its submitters wait on.
 */
final class LiveJob {

    private static final Logger LOG = Logger.getLogger(LiveJob.class);

    /** Thrown inside a job that another replica took over: it ends here without an outcome. */
    static final class ClaimLostException extends RuntimeException {
        ClaimLostException(String jobId) {
            super("job " + jobId + " was taken over by another replica", null, false, false);
        }
    }

    final String jobId;
    final JobClaims.Claim claim;
    final CompletableFuture<JobRecord> done = new CompletableFuture<>();
    volatile JobRecord record;
    /** Set once the claim is known to be someone else's: from then on the job must publish nothing. */
    volatile boolean lost;

    LiveJob(JobRecord record, JobClaims.Claim claim) {
        this.jobId = record.jobId();
        this.record = record;
        this.claim = claim;
    }

    /** Heartbeat: a claim that cannot be renewed was taken over. */
    void renewClaim(JobClaims claims) {
        try {
            if (!lost && !claims.renew(claim)) {
                lost = true;
                LOG.warnf("job %s: claim taken over by replica %s; abandoning it here", jobId, claims.holder(jobId).orElse("?"));
            }
        } catch (RuntimeException e) {
            LOG.warnf("job %s: could not renew its claim: %s", jobId, e.getMessage());
        }
    }

    /** @throws ClaimLostException when another replica holds the job now */
    void requireClaim(JobClaims claims) {
        if (lost || !claims.holds(claim)) {
            lost = true;
            throw new ClaimLostException(jobId);
        }
    }

    boolean holdsClaim(JobClaims claims) {
        return !lost && claims.holds(claim);
    }

    /** Hands the job back; a claim that cannot be written lapses with its lease instead. */
    void releaseClaim(JobClaims claims) {
        try {
            claims.release(claim);
        } catch (RuntimeException e) {
            LOG.warnf("job %s: could not release its claim (%s); it expires with its lease", jobId, e.getMessage());
        }
    }
}
