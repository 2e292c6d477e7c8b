package dev.secateur.serve.it;

import dev.secateur.store.ModelStore;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Everything real: an in-JVM Kafka broker, a temp model store with version 1 of a tiny Llama exported from
 * a fixture checkpoint. Init arg "model" names the served model (so test classes get separate stores); init
 * arg "kind" = "encoder" publishes the real all-MiniLM-L6-v2 instead, "tools" {@link ToolCallingModel}, "demo" the demo
 * model models/kjv-llama (a real byte-level vocabulary), "demo-tools" the same with a template that lists tools; init arg "broken" = N publishes N broken
 * versions above the good one, as a store whose latest prunes went wrong.
 */
public class ServeTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String ADMIN_TOKEN = "test-admin-token";
    static final String REPORT_V1 = "{\"version\":1,\"perplexity\":{\"before\":12.5,\"after\":12.9}}";


    private InJvmKafka kafka;
    private String model = "tiny";
    private String kind = "decoder";
    private int broken;

    @Override
    public void init(Map<String, String> initArgs) {
        model = initArgs.getOrDefault("model", model);
        kind = initArgs.getOrDefault("kind", kind);
        broken = Integer.parseInt(initArgs.getOrDefault("broken", "0"));
    }

    @Override
    public Map<String, String> start() {
        try {
            kafka = new InJvmKafka(Path.of("target/kafka-testkit"));
            String bootstrap = kafka.bootstrapServers();
            Path storeRoot = Files.createTempDirectory(Files.createDirectories(Path.of("target/stores")), model);
            if ("encoder".equals(kind)) {
                TestModels.publishMiniLm(new ModelStore(storeRoot), model);
            } else if ("demo".equals(kind)) {
                TestModels.publishDemoModel(new ModelStore(storeRoot), model);
            } else if ("demo-tools".equals(kind)) {
                TestModels.publishDemoModel(new ModelStore(storeRoot), model, Path.of("src/test/resources/kjv-tools.jinja"));
            } else if ("tools".equals(kind)) {
                ToolCallingModel.publish(new ModelStore(storeRoot), model);
            } else {
                TestModels.publish(new ModelStore(storeRoot), model, "llama-gqa", REPORT_V1);
            }
            for (int i = 0; i < broken; i++) {
                TestModels.publishCorrupt(new ModelStore(storeRoot), model);
            }
            Map<String, String> props = new HashMap<>();
            props.put("kafka.bootstrap.servers", bootstrap);
            props.put("secateur.serve.store-root", storeRoot.toString());
            props.put("secateur.serve.model", model);
            props.put("secateur.serve.cuda", "false");
            props.put("secateur.serve.admin-token", ADMIN_TOKEN);
            props.put("secateur.serve.scan-interval", "0s");
            // the demo model's context is 128 tokens: a structured answer may use most of it
            props.put("secateur.serve.max-tokens-cap", kind.startsWith("demo") ? "120" : "64");
            props.put("secateur.serve.intra-op-threads", "1");
            props.put("secateur.serve.max-embedding-inputs", "8");
            props.put("quarkus.http.limits.max-body-size", "64K");
            return props;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the serve test environment", e);
        }
    }

    @Override
    public void stop() {
        try {
            if (kafka != null) {
                kafka.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
