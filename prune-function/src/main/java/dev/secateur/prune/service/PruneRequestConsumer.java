package dev.secateur.prune.service;

import dev.secateur.events.InvalidEventException;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Prune requests from Kafka ({@code secateur.prune.requests}), binary or structured CloudEvents.
 *
 * <ul>
 *   <li>A record that is not a CloudEvent (or not a prune request) is nacked: the connector's
 *       dead-letter-queue strategy moves it to {@code secateur.prune.requests.dlq} and goes on.</li>
 *   <li>A readable request is handed to the job core and this method returns at once (after waiting for a
 *       free slot, so at most secateur.jobs.max-pending records are in flight); the record is acked only when
 *       the job's outcome event is on the broker. The throttled commit strategy commits offsets in order as
 *       acks arrive, so a crash before that redelivers the request, and the journal makes that harmless.</li>
 * </ul>
 */
@ApplicationScoped
public class PruneRequestConsumer {

    private static final Logger LOG = Logger.getLogger(PruneRequestConsumer.class);

    @Inject
    PruneJobService service;

    @Incoming("prune-requests")
    public CompletionStage<Void> consume(Message<byte[]> message) {
        IncomingRequest request;
        try {
            request = IncomingRequest.decode(headers(message), message.getPayload());
        } catch (InvalidEventException e) {
            LOG.warnf("unreadable prune request (%s), sending it to the dead-letter topic", e.getMessage());
            return message.nack(e);
        }
        return service.whenAccepting().thenCompose(ignored -> {
            PruneJobService.Submission submission;
            try {
                submission = service.submit(request);
            } catch (InvalidEventException e) {
                LOG.warnf("not a prune request (%s), sending it to the dead-letter topic", e.getMessage());
                return message.nack(e);
            }
            // Never completed exceptionally: the job core retries publishing until shutdown, and an
            // unacked record is simply redelivered to the next process.
            submission.done().thenAccept(record -> message.ack());
            return CompletableFuture.completedFuture(null);
        });
    }

    static Map<String, String> headers(Message<byte[]> message) {
        Map<String, String> headers = new LinkedHashMap<>();
        message.getMetadata(IncomingKafkaRecordMetadata.class).ifPresent(md -> {
            for (Header h : md.getHeaders()) {
                if (h.value() != null) {
                    headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)); // last one wins, as Kafka's lastHeader
                }
            }
        });
        return headers;
    }
}
