package dev.secateur.prune.service;

import dev.secateur.events.CloudEvent;
import dev.secateur.events.CloudEventCodec;
import dev.secateur.events.InvalidEventException;
import dev.secateur.events.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The tests' own Kafka clients, against the real broker: a producer for requests and a background
 * consumer that records everything on the events and dead-letter topics.
 */
public final class EventLog implements AutoCloseable {

    /** One record as received; {@code event} is null when the record is not a CloudEvent. */
    public record Received(String topic, String key, Map<String, String> headers, byte[] value, CloudEvent event, long atNanos) {
        public String type() {
            return event == null ? null : event.type();
        }
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final KafkaProducer<String, byte[]> producer;
    private final Thread poller;
    private volatile boolean running = true;

    public EventLog(String bootstrap) {
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = List.of(new TopicPartition(Topics.PRUNE_EVENTS, 0), new TopicPartition(Topics.PRUNE_REQUESTS_DLQ, 0));
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        poller = new Thread(() -> {
            try (consumer) {
                while (running) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        Map<String, byte[]> hb = new LinkedHashMap<>();
                        Map<String, String> hs = new LinkedHashMap<>();
                        for (Header h : r.headers()) {
                            hb.put(h.key(), h.value());
                            hs.put(h.key(), h.value() == null ? null : new String(h.value()));
                        }
                        CloudEvent ev;
                        try {
                            ev = CloudEventCodec.decodeKafka(hb, r.value());
                        } catch (InvalidEventException e) {
                            ev = null;
                        }
                        received.add(new Received(r.topic(), r.key(), hs, r.value(), ev, System.nanoTime()));
                    }
                }
            }
        }, "test-event-log");
        poller.setDaemon(true);
        poller.start();
    }

    public void send(String key, Map<String, String> headers, byte[] value) {
        ProducerRecord<String, byte[]> rec = new ProducerRecord<>(Topics.PRUNE_REQUESTS, key, value);
        headers.forEach((k, v) -> rec.headers().add(k, v.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try {
            producer.send(rec).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot produce test request", e);
        }
    }

    public List<Received> events(Predicate<Received> filter) {
        List<Received> out = new ArrayList<>();
        for (Received r : received) {
            if (filter.test(r)) {
                out.add(r);
            }
        }
        return out;
    }

    /** Events about one job (the job id is the key and the subject). */
    public List<Received> forJob(String jobId) {
        return events(r -> r.topic().equals(Topics.PRUNE_EVENTS) && jobId.equals(r.key()));
    }

    public List<Received> forJob(String jobId, String type) {
        return events(r -> r.topic().equals(Topics.PRUNE_EVENTS) && jobId.equals(r.key()) && type.equals(r.type()));
    }

    public List<Received> deadLetters() {
        return events(r -> r.topic().equals(Topics.PRUNE_REQUESTS_DLQ));
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        poller.join(5000);
        producer.close();
    }
}
