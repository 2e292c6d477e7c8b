package dev.secateur.fuzz;

import dev.secateur.checkpoint.CheckpointException;
import dev.secateur.checkpoint.DType;
import dev.secateur.checkpoint.SafetensorsReader;
import dev.secateur.checkpoint.SafetensorsWriter;
import dev.secateur.checkpoint.Tensor;
import dev.secateur.events.CloudEvent;
import dev.secateur.events.CloudEventCodec;
import dev.secateur.events.EncodedEvent;
import dev.secateur.events.InvalidEventException;
import dev.secateur.events.PruneRequest;
import dev.secateur.events.RequestValidationException;
import dev.secateur.model.EncoderWeights;
import dev.secateur.model.TinyBert;
import dev.secateur.onnx.EncoderOnnxExporter;
import dev.secateur.onnx.OnnxImportException;
import dev.secateur.onnx.OnnxImporter;
import dev.secateur.onnx.OnnxWriter;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Random and damaged bytes into every parser that reads what others send or write: each either succeeds or
 * throws its own typed exception (never an NPE, IndexOutOfBounds, OutOfMemoryError...), returns within a
 * bound, and writes nothing.
 */
class ParserFuzzTest {

    static final Duration BOUND = Duration.ofSeconds(5);
    static final Path WORK = workDir();

    static Path workDir() {
        try {
            return Files.createDirectories(Path.of("target/fuzz")).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- CloudEvents

    static final CloudEvent EVENT = new CloudEvent("id-1", "/src", "dev.secateur.prune.requested", CloudEvent.SPEC_VERSION,
            Instant.parse("2026-01-01T00:00:00Z"), CloudEvent.JSON, "subject",
            dev.secateur.json.Json.mapper().createObjectNode().put("outputModel", "m"));

    @Provide
    Arbitrary<byte[]> structuredEvents() {
        return Mutations.around(CloudEventCodec.toStructured(EVENT).body());
    }

    @Property(tries = 400)
    void structuredCloudEvents(@ForAll("structuredEvents") byte[] body) {
        bounded(() -> {
            try {
                CloudEventCodec.decode(Map.of("content-type", CloudEventCodec.STRUCTURED_CONTENT_TYPE), body);
                return "accepted";
            } catch (InvalidEventException expected) {
                return "refused";
            }
        });
    }

    @Provide
    Arbitrary<Map<String, byte[]>> kafkaHeaders() {
        EncodedEvent enc = CloudEventCodec.toKafkaBinary(EVENT);
        List<String> names = List.of("ce_id", "ce_source", "ce_type", "ce_specversion", "ce_time", "ce_subject",
                "content-type", "ce_", "x");
        Arbitrary<byte[]> values = Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofMaxSize(40),
                Arbitraries.of(enc.headerBytes().values().toArray(new byte[0][])).flatMap(Mutations::of),
                Arbitraries.of("1.0", "0.3", "", "2026-13-45T99:00:00Z", "application/cloudevents+json")
                        .map(s -> s.getBytes(StandardCharsets.UTF_8)));
        return Combinators.combine(Arbitraries.of(names), values).as(Map::entry).list().ofMaxSize(10)
                .map(entries -> {
                    Map<String, byte[]> m = new HashMap<>(enc.headerBytes());
                    entries.forEach(e -> m.put(e.getKey(), e.getValue()));
                    return m;
                });
    }

    @Property(tries = 400)
    void binaryKafkaCloudEvents(@ForAll("kafkaHeaders") Map<String, byte[]> headers, @ForAll("structuredEvents") byte[] body) {
        bounded(() -> {
            try {
                CloudEventCodec.decodeKafka(headers, body);
                return "accepted";
            } catch (InvalidEventException expected) {
                return "refused";
            }
        });
    }

    // ---------------------------------------------------------------- prune requests

    static final byte[] REQUEST = ("{\"source\": {\"model\": \"base\", \"version\": 2}, \"method\": \"mi\", \"ffnRatio\": 0.25,"
            + " \"headRatio\": 0.1, \"calibration\": {\"dataset\": \"kjv\"}, \"eval\": \"data/x.txt\", \"samples\": 8,"
            + " \"seqLen\": 64, \"seed\": 3, \"outputModel\": \"out\", \"qualityGate\": {\"maxPerplexityRatio\": 1.2}}")
            .getBytes(StandardCharsets.UTF_8);

    @Provide
    Arbitrary<byte[]> requests() {
        return Mutations.around(REQUEST);
    }

    @Property(tries = 600)
    void pruneRequests(@ForAll("requests") byte[] json) {
        bounded(() -> {
            try {
                PruneRequest r = PruneRequest.parse(json).validate();
                assertEquals(r, PruneRequest.parse(r.toJson()).validate(), "a valid request survives the journal round trip");
                return "accepted";
            } catch (RequestValidationException expected) {
                return "refused";
            }
        });
    }

    // ---------------------------------------------------------------- safetensors

    static final byte[] SAFETENSORS = safetensorsSeed();

    static byte[] safetensorsSeed() {
        Path f = WORK.resolve("seed.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("a.weight", new Tensor(new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        tensors.put("b.bias", new Tensor(new int[] {4}, new float[] {1, -1, 0.5f, 2}));
        SafetensorsWriter.write(f, tensors, DType.F16, Map.of("format", "pt"));
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A structurally framed file whose JSON header has arbitrary dtypes, shapes and offsets. */
    @Provide
    Arbitrary<byte[]> safetensors() {
        Arbitrary<Long> numbers = Arbitraries.oneOf(Arbitraries.longs().between(-2, 64),
                Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, (long) Integer.MAX_VALUE, 1L << 40));
        Arbitrary<String> header = Combinators.combine(
                Arbitraries.of("F32", "F16", "BF16", "I64", "F64", "", "\"", "U8"),
                numbers.list().ofMaxSize(4), numbers, numbers).as((dtype, shape, begin, end) ->
                "{\"t\": {\"dtype\": \"" + dtype + "\", \"shape\": " + shape + ", \"data_offsets\": [" + begin + ", " + end + "]}}");
        Arbitrary<byte[]> framed = Combinators.combine(header, Arbitraries.integers().between(0, 64)).as((h, data) -> {
            byte[] json = h.getBytes(StandardCharsets.UTF_8);
            byte[] out = new byte[8 + json.length + data];
            java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json);
            return out;
        });
        return Arbitraries.oneOf(Mutations.around(SAFETENSORS), framed);
    }

    @Property(tries = 500)
    void safetensorsHeadersAndOffsets(@ForAll("safetensors") byte[] bytes) throws IOException {
        Path dir = Files.createTempDirectory(WORK, "st");
        Path file = Files.write(dir.resolve("model.safetensors"), bytes);
        bounded(() -> {
            try (SafetensorsReader r = SafetensorsReader.open(file)) {
                for (String name : r.entries().keySet()) {
                    r.read(name);
                }
                return "accepted";
            } catch (CheckpointException expected) {
                return "refused";
            }
        });
        assertNothingWritten(dir, file, bytes);
    }

    // ---------------------------------------------------------------- ONNX

    /** Our exporter's graph does not spell the head count the way torch.onnx does, so it is given. */
    static final int HEADS = 2;
    static final byte[] ONNX = onnxSeed();

    static byte[] onnxSeed() {
        EncoderWeights w = TinyBert.random(7, 12, 8, 2, 16, 1, 8);
        Path f = WORK.resolve("seed.onnx");
        OnnxWriter.write(EncoderOnnxExporter.build(w), EncoderOnnxExporter.metadata(w), f, OnnxWriter.DEFAULT_EXTERNAL_THRESHOLD);
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @net.jqwik.api.Example
    void theOnnxSeedImports() {
        assertEquals(16, OnnxImporter.importBert(OnnxImporter.readModel(new ByteArrayInputStream(ONNX), "seed"), "seed", HEADS)
                .layers().get(0).up().dim(0));
    }

    @Provide
    Arbitrary<byte[]> onnx() {
        return Mutations.around(ONNX);
    }

    @Property(tries = 300)
    void onnxImports(@ForAll("onnx") byte[] bytes) throws IOException {
        Path dir = Files.createTempDirectory(WORK, "onnx");
        Path file = Files.write(dir.resolve("model.onnx"), bytes);
        bounded(() -> {
            try {
                OnnxImporter.importBert(file); // the head count from the graph: our own exports never say it this way
            } catch (OnnxImportException expected) {
                // typed, and expected for nearly every input
            }
            try {
                OnnxImporter.importBert(OnnxImporter.readModel(new ByteArrayInputStream(bytes), "fuzz.onnx"), "fuzz.onnx", HEADS);
                return "accepted";
            } catch (OnnxImportException expected) {
                return "refused";
            }
        });
        assertNothingWritten(dir, file, bytes);
    }

    // ---------------------------------------------------------------- helpers

    /** Runs one parse on a watchdog thread; its outcome ("accepted" or "refused") goes into jqwik's statistics. */
    static void bounded(org.junit.jupiter.api.function.ThrowingSupplier<String> parse) {
        Statistics.collect(assertTimeoutPreemptively(BOUND, parse));
    }

    /** The folder holds the input alone, unchanged (no sidecar, no repair, no external-data file). */
    static void assertNothingWritten(Path dir, Path file, byte[] bytes) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(file), s.toList());
        }
        assertArrayEquals(bytes, Files.readAllBytes(file));
        Files.delete(file);
        Files.delete(dir);
    }
}
