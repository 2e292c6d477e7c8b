package dev.secateur.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Every document of every YAML file under k8s/, parsed, with helpers to find resources by kind and name. */
final class Manifests {
    static final Path ROOT = Path.of(System.getProperty("secateur.root", ".."));
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    record Doc(Path file, JsonNode node) {
        String kind() {
            return node.path("kind").asText();
        }

        String name() {
            return node.path("metadata").path("name").asText();
        }
    }

    final List<Doc> docs = new ArrayList<>();

    static Manifests load() throws IOException {
        Manifests m = new Manifests();
        try (Stream<Path> files = Files.list(ROOT.resolve("k8s"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (YAMLParser parser = new YAMLFactory().createParser(f.toFile())) {
                    for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                        JsonNode n = it.next();
                        if (n != null && !n.isNull() && !n.isEmpty()) {
                            m.docs.add(new Doc(f, n));
                        }
                    }
                }
            }
        }
        return m;
    }

    List<Doc> ofKind(String kind) {
        return docs.stream().filter(d -> d.kind().equals(kind)).toList();
    }

    boolean has(String kind, String name) {
        return docs.stream().anyMatch(d -> d.kind().equals(kind) && d.name().equals(name));
    }

    Doc get(String kind, String name) {
        return docs.stream().filter(d -> d.kind().equals(kind) && d.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " under k8s/"));
    }

    /** The pod specs of Knative Services and Deployments. */
    List<Doc> workloads() {
        return docs.stream().filter(d -> d.kind().equals("Service") && d.node().path("apiVersion").asText().startsWith("serving.knative.dev")
                || d.kind().equals("Deployment")).toList();
    }

    static JsonNode podSpec(Doc d) {
        return d.node().path("spec").path("template").path("spec");
    }
}
