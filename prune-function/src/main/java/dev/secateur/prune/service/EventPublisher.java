package dev.secateur.prune.service;

import dev.secateur.events.CloudEvent;

import java.util.concurrent.CompletionStage;

/** Where the job core sends its events; the stage completes when the transport has durably accepted the event. */
@FunctionalInterface
public interface EventPublisher {

    /** @param key the partitioning key (the job id), so one job's events stay in order on one partition */
    CompletionStage<Void> publish(CloudEvent event, String key);
}
