package dev.secateur.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KubernetesManifestsTest {
    private static Manifests k8s;

    @BeforeAll
    static void load() throws IOException {
        k8s = Manifests.load();
    }

    @Test
    void everyManifestIsAKubernetesObject() {
        assertFalse(k8s.docs.isEmpty(), "no manifests under k8s/");
        for (Manifests.Doc d : k8s.docs) {
            if (d.kind().equals("Kustomization")) {
                continue;
            }
            assertFalse(d.node().path("apiVersion").asText().isEmpty(), d.file() + ": apiVersion missing");
            assertFalse(d.name().isEmpty(), d.file() + ": metadata.name missing");
        }
    }

    @Test
    void kustomizationListsExistingFiles() {
        JsonNode kust = k8s.ofKind("Kustomization").get(0).node();
        for (JsonNode r : kust.path("resources")) {
            assertTrue(Files.isRegularFile(Manifests.ROOT.resolve("k8s").resolve(r.asText())), "kustomization names missing " + r.asText());
        }
    }

    @Test
    void topicsMatchWhatTheFunctionsUse() throws IOException {
        Set<String> topics = new HashSet<>();
        k8s.ofKind("KafkaTopic").forEach(t -> topics.add(t.name()));
        assertEquals(Set.of("secateur.prune.requests", "secateur.prune.events", "secateur.prune.requests.dlq"), topics);
        for (String module : List.of("prune-function", "serve-function")) {
            String props = Files.readString(Manifests.ROOT.resolve(module).resolve("src/main/resources/application.properties"));
            for (String line : props.lines().filter(l -> l.matches("^[^#]*\\.topic=.*")).toList()) {
                String topic = line.substring(line.indexOf('=') + 1).trim();
                assertTrue(topics.contains(topic), module + " uses topic " + topic + " which k8s/topics.yaml does not create");
            }
        }
        for (Manifests.Doc src : k8s.ofKind("KafkaSource")) {
            for (JsonNode t : src.node().path("spec").path("topics")) {
                assertTrue(topics.contains(t.asText()), "KafkaSource " + src.name() + " reads unknown topic " + t.asText());
            }
        }
    }

    @Test
    void kafkaSourcePostsToThePruneFunction() {
        Manifests.Doc src = k8s.get("KafkaSource", "prune-requests");
        assertEquals("sources.knative.dev/v1beta1", src.node().path("apiVersion").asText());
        JsonNode sink = src.node().path("spec").path("sink").path("ref");
        assertEquals("Service", sink.path("kind").asText());
        assertTrue(k8s.has("Service", sink.path("name").asText()), "sink names a service that does not exist");
        assertEquals("prune-function", sink.path("name").asText());
    }

    @Test
    void workloadsReferenceExistingVolumesConfigAndSecrets() {
        List<Manifests.Doc> workloads = k8s.workloads();
        assertTrue(workloads.size() >= 3, "expected serve and prune Knative Services and the prune Deployment");
        for (Manifests.Doc w : workloads) {
            JsonNode spec = Manifests.podSpec(w);
            for (JsonNode v : spec.path("volumes")) {
                String claim = v.path("persistentVolumeClaim").path("claimName").asText();
                assertTrue(k8s.has("PersistentVolumeClaim", claim), w.name() + " mounts unknown claim " + claim);
            }
            Set<String> volumeNames = new HashSet<>();
            spec.path("volumes").forEach(v -> volumeNames.add(v.path("name").asText()));
            for (JsonNode c : spec.path("containers")) {
                for (JsonNode m : c.path("volumeMounts")) {
                    assertTrue(volumeNames.contains(m.path("name").asText()), w.name() + " mounts undeclared volume " + m.path("name"));
                }
                for (JsonNode ef : c.path("envFrom")) {
                    String cm = ef.path("configMapRef").path("name").asText();
                    assertTrue(k8s.has("ConfigMap", cm), w.name() + " reads unknown ConfigMap " + cm);
                }
                for (JsonNode e : c.path("env")) {
                    JsonNode secret = e.path("valueFrom").path("secretKeyRef");
                    if (!secret.isMissingNode()) {
                        assertTrue(k8s.has("Secret", secret.path("name").asText()), w.name() + " reads unknown Secret " + secret.path("name"));
                    }
                }
                assertEquals(8080, c.path("ports").get(0).path("containerPort").asInt(), w.name() + ": Quarkus listens on 8080");
                assertEquals("/q/health/ready", c.path("readinessProbe").path("httpGet").path("path").asText(), w.name() + " readiness probe");
                assertTrue(c.path("resources").path("limits").has("nvidia.com/gpu"), w.name() + " should ask for a GPU");
            }
        }
    }

    @Test
    void knativeServicesCarryScaleBounds() {
        for (String name : List.of("serve-function", "prune-function")) {
            JsonNode ann = k8s.get("Service", name).node().path("spec").path("template").path("metadata").path("annotations");
            assertTrue(ann.has("autoscaling.knative.dev/min-scale"), name + " min-scale");
            assertTrue(ann.has("autoscaling.knative.dev/max-scale"), name + " max-scale");
        }
    }

    /**
     * Both prune workloads take their API token from a Secret; where POST / is left without one (a KafkaSource
     * cannot send it), the route must be cluster-local.
     */
    @Test
    void pruneFunctionIsTokenProtectedOrClusterLocal() {
        for (Manifests.Doc w : k8s.workloads()) {
            if (!w.name().equals("prune-function")) {
                continue;
            }
            Map<String, JsonNode> env = new java.util.HashMap<>();
            Manifests.podSpec(w).path("containers").get(0).path("env").forEach(e -> env.put(e.path("name").asText(), e));
            JsonNode token = env.get("SECATEUR_API_TOKEN");
            assertTrue(token != null && token.path("valueFrom").path("secretKeyRef").has("name"),
                    w.kind() + " prune-function: SECATEUR_API_TOKEN from a Secret");
            JsonNode open = env.get("SECATEUR_SECURITY_TRIGGER_REQUIRES_TOKEN");
            if (open != null && open.path("value").asText().equals("false")) {
                assertEquals("cluster-local", w.node().path("metadata").path("labels").path("networking.knative.dev/visibility").asText(),
                        w.kind() + " prune-function leaves POST / without a token, so it must be cluster-local");
            }
        }
    }

    /** Every SECATEUR_* or KAFKA_* variable set for a function must be a property that function reads, or be named in one. */
    @Test
    void environmentNamesAreReadByTheApps() throws IOException {
        Map<String, String> workloadModule = Map.of("serve-function", "serve-function", "prune-function", "prune-function");
        for (Manifests.Doc w : k8s.workloads()) {
            String module = workloadModule.get(w.name());
            Set<String> envOfProps = new HashSet<>();
            AppProperties.keys(module).forEach(k -> envOfProps.add(AppProperties.envName(k)));
            envOfProps.addAll(AppProperties.referencedEnv(module));
            for (JsonNode c : Manifests.podSpec(w).path("containers")) {
                Set<String> names = new HashSet<>();
                c.path("env").forEach(e -> names.add(e.path("name").asText()));
                for (JsonNode ef : c.path("envFrom")) {
                    k8s.get("ConfigMap", ef.path("configMapRef").path("name").asText()).node().path("data").fieldNames()
                            .forEachRemaining(names::add);
                }
                for (String env : names) {
                    if (env.startsWith("SECATEUR_") || env.startsWith("KAFKA_") || env.startsWith("MP_MESSAGING_")) {
                        assertTrue(envOfProps.contains(env), w.name() + " sets " + env + " but " + module
                                + "/src/main/resources/application.properties declares no matching property");
                    }
                }
            }
        }
    }
}
