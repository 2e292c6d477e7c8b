package dev.secateur.tools.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.events.CloudEvent;
import dev.secateur.events.CloudEventCodec;
import dev.secateur.events.EncodedEvent;
import dev.secateur.events.EventTypes;
import dev.secateur.events.Topics;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Publishes one prune request and follows its events until the outcome, printing progress as it comes. */
final class EventFollower implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final PrintStream out;

    EventFollower(String bootstrap, PrintStream out) {
        this.out = out;
        Properties c = new Properties();
        c.put("bootstrap.servers", bootstrap);
        c.put("group.id", "secateur-demo-" + UUID.randomUUID());
        c.put("enable.auto.commit", "false");
        c.put("key.deserializer", StringDeserializer.class.getName());
        c.put("value.deserializer", ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(c);
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(p);
    }

    /** The outcome event of the request. */
    CloudEvent publishAndFollow(JsonNode requestData, Duration timeout) throws Exception {
        // Positioned at the end before the request goes out, so no event of this job can be missed.
        List<TopicPartition> parts = consumer.partitionsFor(Topics.PRUNE_EVENTS).stream()
                .map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList();
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position);

        CloudEvent request = CloudEvent.of(EventTypes.PRUNE_REQUESTED, "/secateur/demo", null, requestData);
        EncodedEvent encoded = CloudEventCodec.toKafkaBinary(request);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.PRUNE_REQUESTS, request.id(), encoded.body());
        encoded.headerBytes().forEach((k, v) -> record.headers().add(k, v));
        producer.send(record).get();
        out.printf("  published %s id=%s on %s%n", request.type(), request.id(), Topics.PRUNE_REQUESTS);

        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                Map<String, byte[]> headers = new HashMap<>();
                for (Header h : r.headers()) {
                    headers.put(h.key(), h.value());
                }
                CloudEvent e;
                try {
                    e = CloudEventCodec.decodeKafka(headers, r.value());
                } catch (RuntimeException bad) {
                    continue;
                }
                if (!ofRequest(e, request.id())) {
                    continue;
                }
                print(e);
                if (isOutcome(e.type())) {
                    return e;
                }
            }
        }
        throw new IllegalStateException("no outcome for request " + request.id() + " within " + timeout);
    }

    private final java.util.Set<String> jobIds = new java.util.HashSet<>();

    /** Progress events carry only the job id, which is learnt from the events that name the request. */
    private boolean ofRequest(CloudEvent e, String requestId) {
        String job = e.data().path("jobId").asText("");
        if (requestId.equals(e.data().path("requestId").asText(null))) {
            jobIds.add(job);
            return true;
        }
        return jobIds.contains(job);
    }

    private static boolean isOutcome(String type) {
        return type.equals(EventTypes.PRUNE_COMPLETED) || type.equals(EventTypes.PRUNE_FAILED) || type.equals(EventTypes.PRUNE_REJECTED);
    }

    private void print(CloudEvent e) {
        JsonNode d = e.data();
        String type = e.type().substring(e.type().lastIndexOf('.') + 1);
        switch (type) {
            case "progress" -> out.printf("  [%3d%%] %-10s %s%n", d.path("percent").asInt(), d.path("phase").asText(), d.path("message").asText(""));
            case "started" -> out.printf("  started: job %s%n", d.path("jobId").asText());
            case "completed" -> out.printf("  completed: %s version %d at %s%n", d.path("model").asText(), d.path("version").asInt(), d.path("location").asText());
            default -> out.printf("  %s: %s%n", type, d.path("reason").asText(d.toString()));
        }
    }

    @Override
    public void close() {
        consumer.close();
        producer.close();
    }
}
