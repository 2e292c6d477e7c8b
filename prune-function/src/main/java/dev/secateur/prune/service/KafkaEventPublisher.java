package dev.secateur.prune.service;

import dev.secateur.events.CloudEvent;
import dev.secateur.events.CloudEventCodec;
import dev.secateur.events.EncodedEvent;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Events to {@code secateur.prune.events} in CloudEvents Kafka binary mode: ce_* headers, JSON data as
 * the value, the job id as the key. The returned stage completes when the broker acknowledged the record
 * (acks=all in application.properties), which is what the job core waits for before acking a request.
 */
@ApplicationScoped
public class KafkaEventPublisher implements EventPublisher {

    @Inject
    @Channel("prune-events")
    Emitter<byte[]> emitter;

    @Override
    public CompletionStage<Void> publish(CloudEvent event, String key) {
        EncodedEvent encoded = CloudEventCodec.toKafkaBinary(event);
        RecordHeaders headers = new RecordHeaders();
        encoded.headerBytes().forEach(headers::add);
        CompletableFuture<Void> sent = new CompletableFuture<>();
        Message<byte[]> message = Message.of(encoded.body())
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).withHeaders(headers).build())
                .withAck(() -> {
                    sent.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    sent.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                });
        try {
            emitter.send(message);
        } catch (RuntimeException e) {
            sent.completeExceptionally(e); // e.g. the emitter's buffer is full while the broker is away
        }
        return sent;
    }
}
