package dev.secateur.serve.reload;

import dev.secateur.events.CloudEvent;
import dev.secateur.events.CloudEventCodec;
import dev.secateur.events.EventTypes;
import dev.secateur.events.PruneCompleted;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** Reads CloudEvents off Kafka records (shared codec) and keeps prune.completed events. */
final class PruneEvents {

    /** Empty for any other event type; throws for a record that is not a readable CloudEvent. */
    Optional<Announcement> completed(Headers headers, byte[] value) {
        Map<String, byte[]> h = new LinkedHashMap<>();
        for (Header header : headers) {
            h.put(header.key(), header.value());
        }
        CloudEvent event = CloudEventCodec.decodeKafka(h, value);
        if (!EventTypes.PRUNE_COMPLETED.equals(event.type())) {
            return Optional.empty();
        }
        PruneCompleted done = event.dataAs(PruneCompleted.class);
        if (done.model() == null || done.version() < 1) {
            throw new MalformedEventException("completed event " + event.id() + " lacks model/version", null);
        }
        return Optional.of(new Announcement(event.id(), done.model(), done.version()));
    }
}
