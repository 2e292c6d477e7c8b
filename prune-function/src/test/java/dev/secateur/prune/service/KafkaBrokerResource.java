package dev.secateur.prune.service;

import dev.secateur.events.Topics;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A real single-node KRaft Kafka (broker + controller) inside the test JVM, from Kafka's own test kit,
 * with the three secateur topics created up front. Its address is published as
 * {@code kafka.bootstrap.servers} and kept in {@link #bootstrapServers()} for the tests' own clients.
 */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    private static volatile String bootstrap;
    private KafkaClusterTestKit cluster;

    public static String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public Map<String, String> start() {
        try {
            long t0 = System.nanoTime();
            Path base = Files.createDirectories(Path.of("target/kafka-testkit"));
            TestKitNodes nodes = new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1)
                    .setBaseDirectory(Files.createTempDirectory(base, "kt")).build();
            cluster = new KafkaClusterTestKit.Builder(nodes)
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("offsets.topic.num.partitions", "1")
                    .setConfigProp("num.partitions", "1")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            bootstrap = cluster.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(
                        new NewTopic(Topics.PRUNE_REQUESTS, 1, (short) 1),
                        new NewTopic(Topics.PRUNE_EVENTS, 1, (short) 1),
                        new NewTopic(Topics.PRUNE_REQUESTS_DLQ, 1, (short) 1))).all().get();
            }
            System.out.printf("in-JVM Kafka ready at %s in %.0f ms%n", bootstrap, (System.nanoTime() - t0) / 1e6);
            return Map.of("kafka.bootstrap.servers", bootstrap);
        } catch (Exception e) {
            throw new RuntimeException("cannot start the in-JVM Kafka broker", e);
        }
    }

    @Override
    public void stop() {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
