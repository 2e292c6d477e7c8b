package dev.secateur.events;

/** Kafka topic names, shared so producer, consumer and the k8s manifests cannot drift apart. */
public final class Topics {

    public static final String PRUNE_REQUESTS = "secateur.prune.requests";
    public static final String PRUNE_EVENTS = "secateur.prune.events";
    /** Requests that could not even be read (not a CloudEvent, not JSON) go here instead of blocking the partition. */
    public static final String PRUNE_REQUESTS_DLQ = "secateur.prune.requests.dlq";

    private Topics() {
    }
}
