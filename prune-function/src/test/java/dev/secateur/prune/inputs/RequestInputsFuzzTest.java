package dev.secateur.prune.inputs;

import dev.secateur.events.InvalidEventException;
import dev.secateur.events.RequestValidationException;
import dev.secateur.prune.service.IncomingRequestProbe;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the prune service does with a request before any job runs, fed random input: decoding the envelope
 * and data as the HTTP and Kafka adapters do, and resolving file names through the sandbox. Only the typed
 * errors come out, and a name the sandbox accepts is always a file under its root.
 */
class RequestInputsFuzzTest {

    static final Path BASE = base();
    static final Path ROOT = BASE.resolve("data");

    static Path base() {
        try {
            Path b = Files.createDirectories(Path.of("target/fuzz-sandbox")).toAbsolutePath();
            Files.createDirectories(b.resolve("data/sub"));
            Files.writeString(b.resolve("data/calib.txt"), "text");
            Files.writeString(b.resolve("data/sub/eval.txt"), "text");
            Files.writeString(b.resolve("outside.txt"), "secret");
            Path link = b.resolve("data/out-link");
            if (!Files.isSymbolicLink(link)) {
                Files.createSymbolicLink(link, b.resolve("outside.txt"));
            }
            return b;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Provide
    Arbitrary<String> names() {
        Arbitrary<String> parts = Arbitraries.of("data", "sub", "..", ".", "calib.txt", "eval.txt", "out-link", "outside.txt",
                "", "/", "etc", "passwd", "\0", "~", "%2e%2e", "data//calib.txt", ROOT.toString(), "/etc/passwd");
        Arbitrary<String> joined = parts.list().ofMinSize(1).ofMaxSize(8).map(l -> String.join("/", l));
        return Arbitraries.oneOf(joined, joined.map(s -> "data/" + s), joined.map(s -> ROOT + "/" + s),
                Arbitraries.strings().ofMaxLength(40));
    }

    @Property(tries = 1000)
    void theSandboxOnlyEverAnswersWithAFileUnderItsRoot(@ForAll("names") String name) throws IOException {
        PathSandbox box = new PathSandbox(List.of(ROOT), BASE);
        Path realRoot = ROOT.toRealPath();
        Statistics.collect(assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            try {
                Path p = box.file("calibration", name);
                assertTrue(p.startsWith(realRoot) && Files.isRegularFile(p), name + " -> " + p);
                return "allowed";
            } catch (RequestValidationException e) {
                assertTrue(PathSandbox.REFUSED.equals(e.reason()) && "calibration".equals(e.field()), e.getMessage());
                return "refused";
            }
        }));
    }

    @Provide
    Arbitrary<Map<String, String>> headers() {
        Arbitrary<String> keys = Arbitraries.of("ce-id", "ce-source", "ce-type", "ce-specversion", "ce-time", "content-type",
                "Content-Type", "ce_id", "ce-");
        Arbitrary<String> values = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(30),
                Arbitraries.of("1.0", "dev.secateur.prune.requested", "application/cloudevents+json", "application/json", ""));
        return Combinators.combine(keys, values).as(Map::entry).list().ofMaxSize(8).map(l -> {
            Map<String, String> m = new java.util.LinkedHashMap<>(Map.of("ce-id", "x", "ce-source", "/s",
                    "ce-type", "dev.secateur.prune.requested", "ce-specversion", "1.0"));
            l.forEach(e -> m.put(e.getKey(), e.getValue()));
            return m;
        });
    }

    @Provide
    Arbitrary<byte[]> bodies() {
        String valid = "{\"specversion\":\"1.0\",\"id\":\"x\",\"source\":\"/s\",\"type\":\"dev.secateur.prune.requested\","
                + "\"data\":{\"source\":{\"path\":\"data\"},\"calibration\":\"data/calib.txt\",\"outputModel\":\"m\"}}";
        Arbitrary<byte[]> truncated = Arbitraries.integers().between(0, valid.length())
                .map(n -> valid.substring(0, n).getBytes(StandardCharsets.UTF_8));
        return Arbitraries.oneOf(truncated, Arbitraries.bytes().array(byte[].class).ofMaxSize(200),
                Arbitraries.strings().ofMaxLength(100).map(s -> s.getBytes(StandardCharsets.UTF_8)));
    }

    @Property(tries = 800)
    void decodingAndValidatingARequestOnlyFailsTyped(@ForAll("headers") Map<String, String> headers, @ForAll("bodies") byte[] body) {
        Statistics.collect(assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            try {
                IncomingRequestProbe.decodeAndValidate(headers, body);
                return "valid";
            } catch (InvalidEventException e) {
                return "not a cloud event";
            } catch (RequestValidationException e) {
                return "invalid request";
            }
        }));
    }
}
