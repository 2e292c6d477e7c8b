package dev.secateur.prune.service;

/** Where a prune job stands. The last three are terminal: the job never runs again once one is recorded. */
public enum JobState {
    QUEUED, RUNNING, COMPLETED, FAILED, REJECTED;

    public boolean terminal() {
        return this == COMPLETED || this == FAILED || this == REJECTED;
    }
}
