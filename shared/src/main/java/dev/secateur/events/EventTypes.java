package dev.secateur.events;

/** CloudEvents {@code type} values; reverse-DNS so they cannot collide with other producers on a shared broker. */
public final class EventTypes {

    public static final String PRUNE_REQUESTED = "dev.secateur.prune.requested";
    public static final String PRUNE_STARTED = "dev.secateur.prune.started";
    public static final String PRUNE_PROGRESS = "dev.secateur.prune.progress";
    public static final String PRUNE_COMPLETED = "dev.secateur.prune.completed";
    public static final String PRUNE_FAILED = "dev.secateur.prune.failed";
    /** Pruned and stored, but it failed the request's quality gate, so it is not served. */
    public static final String PRUNE_REJECTED = "dev.secateur.prune.rejected";

    private EventTypes() {
    }
}
