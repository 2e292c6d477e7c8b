package dev.secateur.serve.reload;

import dev.secateur.serve.config.ServeConfig;
import dev.secateur.serve.model.ModelService;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Listens on secateur.prune.events. A completed event for the served model queues a reload on the
 * reloader thread (the poll loop is never held); other types and other models are ignored; a malformed
 * record is logged and skipped, so it can never stop the consumer.
 */
@ApplicationScoped
public class PruneEventConsumer {

    private static final Logger LOG = Logger.getLogger(PruneEventConsumer.class);

    private final ModelService models;
    private final ServeConfig config;
    private final PruneEvents events = new PruneEvents();

    public PruneEventConsumer(ModelService models, ServeConfig config) {
        this.models = models;
        this.config = config;
    }

    @Incoming("prune-events")
    public void consume(ConsumerRecord<String, byte[]> record) {
        Optional<Announcement> a;
        try {
            a = events.completed(record.headers(), record.value());
        } catch (RuntimeException e) {
            LOG.warnf("skipping malformed record %s-%d@%d: %s", record.topic(), record.partition(), record.offset(),
                    e.getMessage());
            return;
        }
        if (a.isEmpty() || !a.get().model().equals(config.model())) {
            return;
        }
        Announcement ann = a.get();
        LOG.infof("event %s announces %s version %d", ann.eventId(), ann.model(), ann.version());
        models.announce(ann.version(), "event " + ann.eventId()).whenComplete((swapped, err) -> {
            if (err != null) {
                LOG.errorf(err, "reload for event %s failed", ann.eventId());
            }
        });
    }
}
